# tests/servers/lib.sh: helpers for the network output integration tests
# (sourced by tests/integration/test_{http,syslog,gelf}*.sh).
#
# Every test runs pauditd with --input (no kernel) against a server started
# on loopback; servers are killed by the EXIT trap. Checks are counted and
# the script ends with "N passed, N failed" (exit 1 on any failure).

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
top=$(cd "$SERVERS/../.." && pwd)
PAUDITD=${PAUDITD:-$top/pauditd}
[ -x "$PAUDITD" ] || { echo "no pauditd binary at $PAUDITD"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 missing"; exit 77; }

T=$(mktemp -d /tmp/pauditd-test.XXXXXX)
PIDS=""
NPASS=0
NFAIL=0

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# Start a background command, remember its pid for the trap.
bg() {
	"$@" &
	LASTPID=$!
	PIDS="$PIDS $LASTPID"
}

ok() { NPASS=$((NPASS + 1)); echo "ok   $1"; }
nok() { NFAIL=$((NFAIL + 1)); echo "FAIL $1"; }
# check NAME COMMAND...: passes when the command succeeds.
check() {
	name=$1; shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# eq NAME GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1: got '$2', want '$3'"; fi
}
finish() {
	echo "$NPASS passed, $NFAIL failed"
	[ "$NFAIL" = 0 ]
	exit $?
}

free_port() {	# [udp]
	python3 -c 'import socket,sys
t = socket.SOCK_DGRAM if sys.argv[1:] == ["udp"] else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$@"
}

# wait_for FILE [SECONDS]: until FILE exists and is not empty.
wait_for() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt $((${2:-10} * 10)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ -s "$1" ]
}

# wait_lines FILE N [SECONDS]: until FILE has at least N lines.
wait_lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt $((${3:-10} * 10)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ]
}

# metric FILE NAME [LABEL_VALUE]: a value from --metrics-out ("" if absent).
metric() {
	if [ -n "$3" ]; then
		awk -v n="$2" -v l="\"$3\"" 'index($1, n "{") == 1 && index($1, "=" l "}") { print $2 }' "$1"
	else
		awk -v n="$2" '$1 == n || index($1, n "{") == 1 { print $2; exit }' "$1"
	fi
}

# gen_events FILE FIRST_SERIAL COUNT KEY [PAD]: auditd log lines for COUNT
# execve events with rule key KEY ("-" for no key= field, "(null)" as the
# kernel writes it), an EXECVE argument of PAD bytes, and an EOE each.
gen_events() {
	python3 - "$@" <<'EOF'
import sys
path, first, count, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pad = int(sys.argv[5]) if len(sys.argv) > 5 else 0
with open(path, "a") as f:
    for i in range(count):
        s = first + i
        ts = "1700000000.%03d:%d" % (i % 1000, s)
        k = "" if key == "-" else (" key=(null)" if key == "(null)" else ' key="%s"' % key)
        f.write('type=SYSCALL msg=audit(%s): arch=c000003e syscall=59 success=yes exit=0 '
                'a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=%d auid=0 uid=0 gid=0 euid=0 '
                'suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="t<&>" '
                'exe="/bin/t"%s\n' % (ts, 100 + i, k))
        f.write('type=EXECVE msg=audit(%s): argc=2 a0="t" a1="%s"\n' % (ts, "x" * (pad or i)))
        f.write('type=EOE msg=audit(%s): \n' % ts)
EOF
}

# expected_lines INPUT OUT: what pauditd writes for INPUT (stdout output).
expected_lines() {
	printf 'output:\n  stdout:\n    enabled: true\n' > "$T/stdout.yaml"
	"$PAUDITD" --input "$1" -config "$T/stdout.yaml" > "$2" 2>/dev/null
}
