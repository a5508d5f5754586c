#!/bin/sh
# test_ops_unit.sh: examples/pauditd.service passes `systemd-analyze
# verify` without a single message (ExecStart pointed at the binary under
# test, the man page of Documentation= installed in a temporary MANPATH),
# has the settings the README promises, and pauditd speaks the notify
# protocol the unit relies on: READY=1 with STATUS=, WATCHDOG=1 when
# $WATCHDOG_USEC is set for its pid (and not otherwise), STOPPING=1.
top=$(cd "$(dirname "$0")/../.." && pwd)
PAUDITD=${PAUDITD:-$top/pauditd}
unit=$top/examples/pauditd.service
[ -x "$PAUDITD" ] || { echo "SKIP: no pauditd binary at $PAUDITD"; exit 77; }
command -v systemd-analyze >/dev/null 2>&1 ||
    { echo "SKIP: systemd-analyze is not installed (package systemd)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
T=$(mktemp -d /tmp/pauditd-ops-unit.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
np=0; nf=0
ok() { np=$((np + 1)); echo "ok   $1"; }
nok() { nf=$((nf + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@"; then ok "$n"; else nok "$n"; fi; }
waitfor() {	# tries, command...
	tries=$1; shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

mkdir -p "$T/man/man8" "$T/u" "$T/bad"
cp "$top/docs/pauditd.8" "$T/man/man8/"
sed "s|^ExecStart=/usr/sbin/pauditd |ExecStart=$PAUDITD |" "$unit" >"$T/u/pauditd.service"
check "ExecStart points at the binary under test" grep -q "^ExecStart=$PAUDITD " "$T/u/pauditd.service"
verify() {	# unit file, output file
	MANPATH=$T/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$1" >"$2" 2>&1
}
verify "$T/u/pauditd.service" "$T/verify.out"
rc=$?
check "systemd-analyze verify exits 0" [ "$rc" = 0 ]
check "systemd-analyze verify says nothing" [ ! -s "$T/verify.out" ]
sed 's/^/   verify: /' "$T/verify.out"
# Controls: verify must notice a bad value and an unknown key, so that an
# empty output means something.
sed 's/^Type=notify$/Type=notifyy/' "$T/u/pauditd.service" >"$T/bad/pauditd.service"
verify "$T/bad/pauditd.service" "$T/bad1.out"
check "control: a bad Type= is reported" grep -q "notifyy" "$T/bad1.out"
sed 's/^WatchdogSec=/WatchdogSecs=/' "$T/u/pauditd.service" >"$T/bad/pauditd.service"
verify "$T/bad/pauditd.service" "$T/bad2.out"
check "control: an unknown key is reported" grep -q "WatchdogSecs" "$T/bad2.out"

has() { grep -qx "$1" "$unit"; }
check "Type=notify" has "Type=notify"
check "Restart=always" has "Restart=always"
check "ExecReload sends SIGHUP (reopen outputs)" has 'ExecReload=/bin/kill -HUP $MAINPID'
check "WatchdogSec is set, 10s or more" sh -c \
    "grep -E '^WatchdogSec=([1-9][0-9]+s|[1-9]min)$' '$unit' | grep -q ."
check "stop timeout exceeds the 30 s drain" sh -c \
    "grep -E '^TimeoutStopSec=(3[1-9]|[4-9][0-9])s$' '$unit' | grep -q ."
bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort | tr '\n' ' ')
check "bounding set: exactly what start-up needs" [ "$bset" = \
    "CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_NET_ADMIN CAP_SETPCAP " ]
check "no mount namespace (watched paths must be the host's)" sh -c \
    "! grep -Eq '^(PrivateTmp|ProtectSystem|ProtectHome|PrivateMounts|ReadOnlyPaths)=' '$unit'"

# The notify protocol, with a listener standing in for systemd.
listen() {	# socket path, log file
	python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a") as f:
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        for line in d.decode().split("\n"):
            f.write(line + "\n")
        f.flush()
PY
	pids="$pids $!"
}
# Run pauditd on a fifo with NOTIFY_SOCKET; $1 = 1 to enable the watchdog
# (3 s, for pauditd's own pid, as systemd sets it).
run_notified() {
	n=$1; wd=$2
	mkfifo "$T/in$n"
	: >"$T/n$n.log"
	listen "$T/n$n.sock" "$T/n$n.log"
	waitfor 50 test -S "$T/n$n.sock"
	NOTIFY_SOCKET=$T/n$n.sock WD=$wd sh -c '
	    if [ "$WD" = 1 ]; then
	        WATCHDOG_USEC=3000000 WATCHDOG_PID=$$; export WATCHDOG_USEC WATCHDOG_PID
	    fi
	    exec "$0" --input "$1"' "$PAUDITD" "$T/in$n" >/dev/null 2>"$T/p$n.err" &
	P=$!
	pids="$pids $P"
	exec 7>"$T/in$n"
}
stop_notified() {
	exec 7>&-
	wait "$P"
}

run_notified 1 1
check "READY=1 after start-up" waitfor 100 grep -qx "READY=1" "$T/n1.log"
check "STATUS= sent with READY=1" grep -qx "STATUS=replaying a log" "$T/n1.log"
check "WATCHDOG=1 pings (watchdog on)" waitfor 40 sh -c \
    "[ \$(grep -cx 'WATCHDOG=1' '$T/n1.log') -ge 2 ]"
check "no STOPPING=1 while running" sh -c "! grep -qx STOPPING=1 '$T/n1.log'"
stop_notified
rc=$?
check "pauditd exits 0 at the end of its input" [ "$rc" = 0 ]
check "STOPPING=1 at shutdown" waitfor 50 grep -qx "STOPPING=1" "$T/n1.log"
check "READY=1 comes before STOPPING=1" sh -c \
    "grep -nx -e READY=1 -e STOPPING=1 '$T/n1.log' | head -n 1 | grep -q READY"

run_notified 2 0
check "READY=1 (watchdog off)" waitfor 100 grep -qx "READY=1" "$T/n2.log"
sleep 2.2
check "no WATCHDOG=1 without WATCHDOG_USEC" sh -c "! grep -qx WATCHDOG=1 '$T/n2.log'"
stop_notified
check "STOPPING=1 (watchdog off)" waitfor 50 grep -qx "STOPPING=1" "$T/n2.log"

echo "$np passed, $nf failed"
[ "$nf" = 0 ]
