# kernel_lib.sh: shared by tests/integration/test_kernel_*.sh (sourced).
#
# These tests run pauditd against the real kernel. They need root and a
# kernel with audit; otherwise they skip (exit 77) with the reason, and
# with PAUDITD_REQUIRE_KERNEL=1 that skip is a failure. Whatever happens,
# the EXIT trap puts the kernel back: rules deleted, rate and backlog
# limits and backlog wait time as found, no audit pid, auditing disabled. Failure mode 2 is
# never set. Rules are scoped to a probe binary in the test's own
# directory (-F exe=...) and carry a unique key, so nothing else on the
# machine is audited. A lock serializes kernel tests across processes.

top=$(cd "$(dirname "$0")/../.." && pwd)
PAUDITD=${PAUDITD:-$top/pauditd}
TOOLBIN=${TOOLBIN:-$top/build/rel/tools}
key="pauditd_kt_$$"
passed=0
failed=0
pids=""
tmp=""

k_skip() {
	if [ "${PAUDITD_REQUIRE_KERNEL:-0}" = 1 ]; then
		echo "FAIL: $* (PAUDITD_REQUIRE_KERNEL=1)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {	# description, command...
	d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

k_done() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}

k_status() {	# field of auditctl -s
	auditctl -s 2>/dev/null | awk -v f="$1" '$1 == f { print $2 }'
}

# Poll `cmd` every 0.1 s, at most n times.
k_wait() {
	n=$1; shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

k_pid_is() { [ "$(k_status pid)" = "$1" ]; }

k_restore() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		k_wait 50 sh -c "! kill -0 $p 2>/dev/null" || kill -9 "$p" 2>/dev/null
	done
	auditctl -D >/dev/null 2>&1
	auditctl -r "${orig_rate:-0}" >/dev/null 2>&1
	auditctl -b "${orig_backlog:-64}" >/dev/null 2>&1
	auditctl --backlog_wait_time "${orig_wait:-15000}" >/dev/null 2>&1
	# A dead registered daemon is replaced and then released.
	if [ "$(k_status pid)" != 0 ] && [ -x "$TOOLBIN/nlnull" ]; then
		"$TOOLBIN/nlnull" -t 0 >/dev/null 2>&1
	fi
	auditctl -e 0 >/dev/null 2>&1
	[ -n "$tmp" ] && rm -rf "$tmp"
}

k_require() {
	[ "$(id -u)" = 0 ] || k_skip "kernel tests need root"
	command -v auditctl >/dev/null 2>&1 || k_skip "auditctl is not installed"
	[ -x "$PAUDITD" ] || k_skip "no pauditd binary at $PAUDITD"
	[ -x "$TOOLBIN/nlnull" ] || k_skip "tools not built ($TOOLBIN)"
	exec 9>/tmp/pauditd-kernel-tests.lock
	flock -w 300 9 || k_skip "another kernel test holds the lock"
	auditctl -s >/dev/null 2>&1 || k_skip "the kernel has no audit support (auditctl -s fails)"
	[ "$(k_status enabled)" = 2 ] && k_skip "kernel audit is locked (enabled 2)"
	holder=$(k_status pid)
	if [ "$holder" != 0 ] && kill -0 "$holder" 2>/dev/null; then
		k_skip "an audit daemon (pid $holder) is running"
	fi
	orig_rate=$(k_status rate_limit)
	orig_backlog=$(k_status backlog_limit)
	orig_wait=$(k_status backlog_wait_time)
	tmp=$(mktemp -d /tmp/pauditd-kt.XXXXXX)
	chmod 755 "$tmp"
	trap k_restore EXIT
	trap 'exit 1' INT TERM
	cp /bin/true "$tmp/probe"
	probe=$tmp/probe
}

# Write a config: $1 file, $2 netlink mode, $3... more YAML lines.
k_config() {
	f=$1; mode=$2; shift 2
	{
		echo "output:"
		echo "  file: {enabled: true, attempts: 1, path: $tmp/out.json, mode: 0600, user: root, group: root}"
		echo "netlink: {mode: $mode, status_interval: 1s}"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

# Start pauditd on config $1; P is its pid. Waits until it is reading.
k_start() {
	: >"$tmp/err"
	"$PAUDITD" -config "$1" --metrics-out "$tmp/metrics" 2>"$tmp/err" &
	P=$!
	pids="$pids $P"
	if ! k_wait 150 grep -qE "netlink: (loaded|no rules)|start-up failed" "$tmp/err"; then
		echo "pauditd did not start:"; sed 's/^/  /' "$tmp/err"
		return 1
	fi
	! grep -q "start-up failed" "$tmp/err"
}

# Stop pauditd gracefully; returns its exit status.
k_stop() {
	kill "$P" 2>/dev/null
	wait "$P"
	rc=$?
	pids=$(echo "$pids" | sed "s/ $P\b//")
	return $rc
}

# The metric's value in pauditd's --metrics-out file.
k_metric() {
	awk -v m="$1" '$1 == m { print $2 }' "$tmp/metrics"
}

# Run the probe so that the rule fires: argv alpha beta-42, cwd $tmp.
k_probe() {
	(cd "$tmp" && "$probe" alpha beta-42)
}

# The test rule: execve of the probe only, with the test's key.
k_rule() {
	echo "-a always,exit -F arch=b64 -S execve -F exe=$probe -k $key"
}

# Wait for the probe's event in $tmp/out.json; its line goes to $tmp/ev.
k_event() {
	k_wait "${1:-100}" sh -c "grep -F '\"rule_key\":\"$key\"' '$tmp/out.json' 2>/dev/null | grep -F '\"type\":1309' >'$tmp/ev'"
}

# Check that the event in $tmp/ev is whole and in pauditd's format.
k_check_event() {
	label=$1
	ev=$(head -n 1 "$tmp/ev")
	title=$(printf '%s\0%s\0%s' "$probe" alpha beta-42 | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
	has() { case "$ev" in *"$1"*) return 0;; esac; return 1; }
	check "$label: JSON object with sequence and timestamp" has '{"sequence":'
	check "$label: SYSCALL record with the key" has "key=\\\"$key\\\""
	check "$label: SYSCALL first, type 1300" has '"messages":[{"type":1300,"data":"arch='
	check "$label: EXECVE arguments" has "{\"type\":1309,\"data\":\"argc=3 a0=\\\"$probe\\\" a1=\\\"alpha\\\" a2=\\\"beta-42\\\"\"}"
	check "$label: CWD" has "{\"type\":1307,\"data\":\"cwd=\\\"$tmp\\\"\"}"
	check "$label: PATH of the probe" has "{\"type\":1302,\"data\":\"item=0 name=\\\"$probe\\\""
	check "$label: PROCTITLE" has "{\"type\":1327,\"data\":\"proctitle=$title\"}"
	check "$label: uid_map and rule_key" has "\"uid_map\":{\"0\":\"root\""
	check "$label: rule_key last" has "\"rule_key\":\"$key\"}"
	check "$label: no EOE record in the output" sh -c "! grep -qF '\"type\":1320' '$tmp/ev'"
}
