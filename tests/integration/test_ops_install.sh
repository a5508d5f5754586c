#!/bin/sh
# test_ops_install.sh: `make install DESTDIR=... PREFIX=...` installs
# exactly the binary, the man page, the example configuration, the systemd
# unit (ExecStart following PREFIX) and the logrotate snippet, with the
# right modes; the installed pieces work together: the binary checks the
# installed example, and logrotate with the installed snippet rotates a
# running pauditd's file output through SIGUSR1.
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v make >/dev/null 2>&1 || { echo "SKIP: make is not installed"; exit 77; }
T=$(mktemp -d /tmp/pauditd-ops-inst.XXXXXX)
P=""
cleanup() {
	[ -n "$P" ] && kill "$P" 2>/dev/null && wait "$P" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
np=0; nf=0
ok() { np=$((np + 1)); echo "ok   $1"; }
nok() { nf=$((nf + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@"; then ok "$n"; else nok "$n"; fi; }
mode() { stat -c %a "$1" 2>/dev/null; }
waitfor() {	# tries, command...
	tries=$1; shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# The test may run under make test: the parent's jobserver is not ours.
inst() {	# destdir prefix
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$top" install \
	    DESTDIR="$1" PREFIX="$2" >"$T/make.log" 2>&1
}

D=$T/root
inst "$D" /usr
rc=$?
check "make install DESTDIR PREFIX=/usr succeeds" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/   make: /' "$T/make.log"
cat >"$T/want" <<LIST
755 etc
755 etc/logrotate.d
644 etc/logrotate.d/pauditd
755 lib
755 lib/systemd
755 lib/systemd/system
644 lib/systemd/system/pauditd.service
755 usr
755 usr/sbin
755 usr/sbin/pauditd
755 usr/share
755 usr/share/doc
755 usr/share/doc/pauditd
644 usr/share/doc/pauditd/pauditd.yaml.example
755 usr/share/man
755 usr/share/man/man8
644 usr/share/man/man8/pauditd.8
LIST
sort -k2 -o "$T/want" "$T/want"
(cd "$D" && find . -mindepth 1 -printf '%m %P\n' | sort -k2) >"$T/got"
check "exactly the expected files, with their modes" cmp -s "$T/want" "$T/got"
[ "$nf" = 0 ] || diff -u "$T/want" "$T/got" | sed 's/^/   /'
check "installed files match the sources" sh -c "
    cmp -s '$top/docs/pauditd.8' '$D/usr/share/man/man8/pauditd.8' &&
    cmp -s '$top/examples/pauditd.yaml.example' '$D/usr/share/doc/pauditd/pauditd.yaml.example' &&
    cmp -s '$top/examples/pauditd.logrotate' '$D/etc/logrotate.d/pauditd'"
check "unit runs /usr/sbin/pauditd" grep -qx \
    "ExecStart=/usr/sbin/pauditd -config /etc/pauditd/pauditd.yaml" \
    "$D/lib/systemd/system/pauditd.service"
bin=$D/usr/sbin/pauditd
check "installed binary runs (-version)" sh -c "'$bin' -version | grep -q '^pauditd version: '"
check "installed binary accepts the installed example" sh -c \
    "'$bin' -config '$D/usr/share/doc/pauditd/pauditd.yaml.example' --check-config 2>/dev/null | grep -qx 'configuration OK'"
if command -v man >/dev/null 2>&1; then
	check "installed man page is found by name" sh -c \
	    "MANPATH='$D/usr/share/man' man -w pauditd | grep -q '$D/usr/share/man/man8/pauditd.8'"
fi

inst "$T/local" /usr/local
check "PREFIX=/usr/local: binary in /usr/local/sbin" [ -x "$T/local/usr/local/sbin/pauditd" ]
check "PREFIX=/usr/local: unit follows" grep -qx \
    "ExecStart=/usr/local/sbin/pauditd -config /etc/pauditd/pauditd.yaml" \
    "$T/local/lib/systemd/system/pauditd.service"
check "PREFIX=/usr/local: man page" [ -f "$T/local/usr/local/share/man/man8/pauditd.8" ]

# logrotate: the installed snippet, pointed at a test file, with its
# postrotate signalling our pauditd only (never every pauditd on the host).
if ! command -v logrotate >/dev/null 2>&1; then
	echo "   (logrotate missing: rotation not checked)"
else
	log=$T/log/pauditd.log
	mkdir -m 0755 "$T/log"
	cat >"$T/p.yaml" <<YAML
output:
  file: {enabled: true, attempts: 1, path: $log, mode: 0640}
YAML
	mkfifo "$T/in"
	"$bin" -config "$T/p.yaml" --input "$T/in" 2>"$T/p.err" &
	P=$!
	exec 7>"$T/in"
	echo 'type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=59 success=yes exit=0 comm="a"' >&7
	echo 'type=EOE msg=audit(1700000000.100:1): ' >&7
	check "pauditd writes its file output" waitfor 100 grep -q '"sequence":1,' "$log"
	sed -e "s|/var/log/pauditd/pauditd.log|$log|" \
	    -e "s|^\(\t\t\).*pkill.*|\1kill -USR1 $P|" \
	    "$D/etc/logrotate.d/pauditd" >"$T/lr.conf"
	check "postrotate signals the test's pauditd" grep -q "kill -USR1 $P" "$T/lr.conf"
	logrotate -s "$T/lr.state" -f "$T/lr.conf" 2>"$T/lr.err"
	rc=$?
	check "logrotate runs the installed snippet" [ "$rc" = 0 ]
	sed 's/^/   logrotate: /' "$T/lr.err"
	check "the old file is rotated (log.1)" grep -q '"sequence":1,' "$log.1"
	check "SIGUSR1 made pauditd create a new file" waitfor 50 test -f "$log"
	check "the new file has output.file.mode" [ "$(mode "$log")" = 640 ]
	echo 'type=SYSCALL msg=audit(1700000000.200:2): arch=c000003e syscall=59 success=yes exit=0 comm="b"' >&7
	echo 'type=EOE msg=audit(1700000000.200:2): ' >&7
	check "later events go to the new file" waitfor 100 grep -q '"sequence":2,' "$log"
	check "and not to the rotated one" sh -c "! grep -q '\"sequence\":2,' '$log.1'"
	check "pauditd logged the reopen" grep -q "reopened $log" "$T/p.err"
	exec 7>&-
	wait "$P"
	rc=$?
	P=""
	check "pauditd exits 0 at the end of its input" [ "$rc" = 0 ]
fi

echo "$np passed, $nf failed"
[ "$nf" = 0 ]
