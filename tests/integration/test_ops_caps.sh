#!/bin/sh
# test_ops_caps.sh: the capabilities pauditd keeps after start-up, read
# from /proc/PID/task/*/status for every thread (capabilities are per
# thread, and the outputs' workers and the Prometheus listener exist
# before the drop).
#
#  1. --input from a fifo (the process stays up; no kernel): nothing is
#     left in any set of any thread, bounding set included, no_new_privs
#     is set, and the pipeline still delivers events.
#  2. The kernel source, when the kernel is usable (root, audit support,
#     no other audit daemon; the kernel tests' lock; everything restored
#     by kernel_lib.sh's trap: rules deleted, limits as found, pid 0,
#     auditing off): unicast with a file output owned by "nobody" keeps
#     exactly CAP_AUDIT_CONTROL, CAP_AUDIT_READ and CAP_CHOWN, and with
#     them still polls the status, delivers events, gives the file made
#     again on SIGUSR1 to its owner and unregisters at exit; multicast
#     without a file owner keeps the two audit capabilities only.
. "$(dirname "$0")/kernel_lib.sh"
[ -x "$PAUDITD" ] || { echo "SKIP: no pauditd binary at $PAUDITD"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: the capability drop needs root"; exit 77; }

CAP_NONE=0000000000000000
CAP_AUDIT=0000002040000000		# CAP_AUDIT_CONTROL (30), CAP_AUDIT_READ (37)
CAP_AUDIT_CHOWN=0000002040000001	# ... and CAP_CHOWN (0)

T=$(mktemp -d /tmp/pauditd-ops-caps.XXXXXX)
chmod 755 "$T"
cleanup1() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup1 EXIT

# The distinct values of a status field over all threads of pid $1.
field() {
	for s in /proc/"$1"/task/*/status; do
		awk -v f="$2:" '$1 == f { print $2 }' "$s"
	done | sort -u | tr '\n' ' ' | sed 's/ $//'
}
threads() { ls /proc/"$1"/task | wc -l; }
# check_sets LABEL PID PERMITTED/EFFECTIVE/BOUNDING
check_sets() {
	check "$1: effective set in every thread = $3" [ "$(field "$2" CapEff)" = "$3" ]
	check "$1: permitted set in every thread = $3" [ "$(field "$2" CapPrm)" = "$3" ]
	check "$1: bounding set in every thread = $3" [ "$(field "$2" CapBnd)" = "$3" ]
	check "$1: inheritable set empty" [ "$(field "$2" CapInh)" = "$CAP_NONE" ]
	check "$1: ambient set empty" [ "$(field "$2" CapAmb)" = "$CAP_NONE" ]
	check "$1: no_new_privs in every thread" [ "$(field "$2" NoNewPrivs)" = 1 ]
}
event() {	# serial
	echo "type=SYSCALL msg=audit(1700000000.$1:$1): arch=c000003e syscall=59 success=yes exit=0 comm=\"t\""
	echo "type=EOE msg=audit(1700000000.$1:$1): "
}

# ---- 1. --input: nothing is kept ----
cat >"$T/in.yaml" <<YAML
output:
  file: {enabled: true, attempts: 1, path: $T/in.json}
  http: {enabled: true, attempts: 1, url: "http://127.0.0.1:9/", worker_count: 4}
metrics:
  prometheus: {listen: "127.0.0.1:0"}
YAML
mkfifo "$T/fifo"
"$PAUDITD" -config "$T/in.yaml" --input "$T/fifo" 2>"$T/in.err" &
P=$!
pids="$pids $P"
exec 7>"$T/fifo"
check "--input: the drop is logged" k_wait 100 grep -q "privileges: dropped every capability" "$T/in.err"
check "--input: several threads to check (workers, listener)" [ "$(threads "$P")" -ge 6 ]
check_sets "--input" "$P" "$CAP_NONE"
event 1 >&7
check "--input: events still flow after the drop" k_wait 100 grep -q '"sequence":1,' "$T/in.json"
exec 7>&-
wait "$P"
rc=$?
pids=""
# The http output (a closed port, one attempt) dropped the event: exit 3.
check "--input: exit 3 at the end of the input (the http output dropped)" [ "$rc" = 3 ]
grep -q "start-up failed" "$T/in.err" && sed 's/^/   pauditd: /' "$T/in.err"

# ---- 2. the kernel source ----
kernel_unusable() {
	command -v auditctl >/dev/null 2>&1 || { echo "auditctl is not installed"; return; }
	[ -x "$TOOLBIN/nlnull" ] || { echo "tools not built ($TOOLBIN)"; return; }
	auditctl -s >/dev/null 2>&1 || { echo "the kernel has no audit support"; return; }
	exec 9>/tmp/pauditd-kernel-tests.lock
	flock -w 300 9 || { echo "another kernel test holds the lock"; return; }
	[ "$(k_status enabled)" = 2 ] && { echo "kernel audit is locked (enabled 2)"; return; }
	holder=$(k_status pid)
	if [ "$holder" != 0 ] && kill -0 "$holder" 2>/dev/null; then
		echo "an audit daemon (pid $holder) is running"
	fi
}
why=$(kernel_unusable)
if [ -n "$why" ]; then
	if [ "${PAUDITD_REQUIRE_KERNEL:-0}" = 1 ]; then
		fail "kernel part: $why (PAUDITD_REQUIRE_KERNEL=1)"
	else
		echo "   kernel part skipped: $why"
	fi
	k_done
fi
# kernel_unusable ran in a subshell: take the lock here for good.
exec 9>/tmp/pauditd-kernel-tests.lock
flock -w 300 9
orig_rate=$(k_status rate_limit)
orig_backlog=$(k_status backlog_limit)
tmp=$T
trap k_restore EXIT
trap 'exit 1' INT TERM
cp /bin/true "$tmp/probe"
probe=$tmp/probe

cat >"$T/u.yaml" <<YAML
output:
  file: {enabled: true, attempts: 1, path: $T/out.json, mode: 0600, user: nobody}
netlink: {mode: unicast, status_interval: 1s}
rules:
  - $(k_rule)
  - -e 1
YAML
k_start "$T/u.yaml" || { fail "unicast: pauditd starts"; k_done; }
check "unicast: the drop is logged" k_wait 50 grep -q \
    "privileges: keeping CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_CHOWN only" "$tmp/err"
check_sets "unicast" "$P" "$CAP_AUDIT_CHOWN"
k_probe
check "unicast: the probe's event arrives after the drop" k_event
sleep 2.5
check "unicast: status polls still allowed (status_interval 1s)" sh -c \
    "! grep -q 'netlink: audit status' '$tmp/err'"
check "unicast: still the registered audit daemon" k_pid_is "$P"
mv "$T/out.json" "$T/out.json.1"
kill -USR1 "$P"
check "unicast: SIGUSR1 creates the file again" k_wait 50 test -f "$T/out.json"
check "unicast: and gives it to its owner (CAP_CHOWN kept)" \
    [ "$(stat -c %U "$T/out.json" 2>/dev/null)" = nobody ]
k_stop
rc=$?
check "unicast: exit 0" [ "$rc" = 0 ]
check "unicast: unregistered at exit (AUDIT_SET after the drop)" \
    grep -q "netlink: unregistered as the audit daemon" "$tmp/err"
check "unicast: the kernel's audit pid is 0 again" k_pid_is 0
grep -qE "privileges: .*(cannot|not every)|start-up failed" "$tmp/err" &&
    sed 's/^/   pauditd: /' "$tmp/err"

cat >"$T/m.yaml" <<YAML
output:
  file: {enabled: true, attempts: 1, path: $T/m.json}
netlink: {mode: multicast, status_interval: 1s}
YAML
if k_start "$T/m.yaml"; then
	check "multicast: the drop is logged" k_wait 50 grep -q \
	    "privileges: keeping CAP_AUDIT_CONTROL, CAP_AUDIT_READ only" "$tmp/err"
	check_sets "multicast" "$P" "$CAP_AUDIT"
	k_stop
	check "multicast: exit 0" [ "$?" = 0 ]
else
	fail "multicast: pauditd starts"
fi
k_done
