#!/bin/sh
# test_ops_example.sh: examples/pauditd.yaml.example passes --check-config
# without a warning, has every section and output, names every key of the
# configuration tables in src/ (as a key or in a comment), and never sets
# failure mode 2. A copy with a misspelt key must warn, so that the "no warning"
# check is known to be able to fail.
top=$(cd "$(dirname "$0")/../.." && pwd)
PAUDITD=${PAUDITD:-$top/pauditd}
ex=$top/examples/pauditd.yaml.example
[ -x "$PAUDITD" ] || { echo "SKIP: no pauditd binary at $PAUDITD"; exit 77; }
T=$(mktemp -d /tmp/pauditd-ops-ex.XXXXXX)
trap 'rm -rf "$T"' EXIT
np=0; nf=0
ok() { np=$((np + 1)); echo "ok   $1"; }
nok() { nf=$((nf + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@"; then ok "$n"; else nok "$n"; fi; }

# This test is about the example, not about leaks at exit (test_core.sh
# runs --check-config under the sanitizers for that).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
"$PAUDITD" -config "$ex" --check-config >"$T/out" 2>"$T/err"
rc=$?
check "--check-config exits 0" [ "$rc" = 0 ]
check "--check-config prints configuration OK" grep -qx "configuration OK" "$T/out"
# The only lines on stderr are the filters' start-up lines.
check "no warning or error on stderr" sh -c "! grep -v '^pauditd: filter [0-9]*: ' '$T/err'"
[ "$nf" = 0 ] || sed 's/^/   stderr: /' "$T/err"

for s in socket_buffer netlink events message_tracking parser log output \
    metrics extras rules filters; do
	check "top-level section $s" grep -q "^$s:" "$ex"
done
for o in stdout file syslog gelf http '"null"'; do
	check "output $o is described" grep -q "^  $o:" "$ex"
done
check "rules enable auditing last (-e 1)" sh -c \
    "awk '/^rules:/,/^filters:/' '$ex' | grep '^  - ' | tail -n 1 | grep -qx '  - -e 1'"
check "rules never set failure mode 2" sh -c "! grep -Eq '^  - .*-f +2' '$ex'"
check "execve of logged-in users is audited" grep -q -- "-S execve -F auid!=unset" "$ex"
check "identity files are watched" grep -q -- "-w /etc/shadow -p wa" "$ex"

# Every key of every module's table in src/ (cfg_field tables: .key =,
# positional initializers, and config.c's F/N/S macros).
{
	grep -rhoE '\.key = "[a-z_.-]+"' "$top/src" | sed -E 's/.*"(.*)"/\1/'
	grep -rhoE '\{ "[a-z_.-]+", CFG_' "$top/src" | sed -E 's/\{ "([^"]*)".*/\1/'
	grep -rhoE '^[[:space:]]*(F|N|S)\("[a-z_.-]+"' "$top/src" | sed -E 's/.*"(.*)"/\1/'
} | sort -u >"$T/schema"
check "schema keys found in src" [ "$(wc -l <"$T/schema")" -gt 50 ]
while read -r k; do
	check "schema key $k is in the example" grep -qE "(^|[^a-z_-])$k([^a-z_-]|$)" "$ex"
done <"$T/schema"

# Control: a misspelt key is reported, so the check above can fail.
sed 's/^  max_records:/  max_recordz:/' "$ex" >"$T/bad.yaml"
"$PAUDITD" -config "$T/bad.yaml" --check-config >/dev/null 2>"$T/bad.err"
check "control: a misspelt key is reported" grep -q "max_recordz" "$T/bad.err"

echo "$np passed, $nf failed"
[ "$nf" = 0 ]
