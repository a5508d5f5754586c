#!/bin/sh
# test_ops_man.sh: docs/pauditd.8 renders with man and groff without a
# warning, fits 80 columns, and documents every command line option,
# every key of the example configuration and of the configuration tables
# in src/, and every metric the sources register (so that a new metric or
# key without documentation fails).
top=$(cd "$(dirname "$0")/../.." && pwd)
PAUDITD=${PAUDITD:-$top/pauditd}
page=$top/docs/pauditd.8
command -v man >/dev/null 2>&1 || { echo "SKIP: man (man-db) is not installed"; exit 77; }
command -v groff >/dev/null 2>&1 || { echo "SKIP: groff is not installed"; exit 77; }
T=$(mktemp -d /tmp/pauditd-ops-man.XXXXXX)
trap 'rm -rf "$T"' EXIT
np=0; nf=0
ok() { np=$((np + 1)); echo "ok   $1"; }
nok() { nf=$((nf + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@"; then ok "$n"; else nok "$n"; fi; }

MANWIDTH=80 man --warnings -l "$page" >"$T/page.txt" 2>"$T/man.err"
check "man -l renders the page" [ -s "$T/page.txt" ]
check "man --warnings: no warning" [ ! -s "$T/man.err" ]
sed 's/^/   man: /' "$T/man.err"
groff -man -ww -z "$page" 2>"$T/groff.err"
check "groff -man -ww: no warning" [ ! -s "$T/groff.err" ]
sed 's/^/   groff: /' "$T/groff.err"
check "every line fits 80 columns" sh -c "! awk 'length > 80' '$T/page.txt' | grep -q ."
for s in NAME SYNOPSIS DESCRIPTION OPTIONS CONFIGURATION SIGNALS CAPABILITIES \
    SYSTEMD METRICS "EXIT STATUS" FILES NOTES EXAMPLES "SEE ALSO"; do
	check "section $s" grep -qx "$s" "$T/page.txt"
done
# Control: a broken request is reported, so the warning checks can fail.
printf '.TH X 8\n.SH NAME\n.BOGUS x\n' >"$T/bad.8"
groff -man -ww -z "$T/bad.8" 2>"$T/bad.err"
check "control: groff reports an unknown macro" [ -s "$T/bad.err" ]

# Options from --help, in their long form.
if [ -x "$PAUDITD" ]; then
	"$PAUDITD" --help | grep -oE '^  -[-a-z]+(, --[-a-z]+)?' |
	    sed 's/^  //; s/.*, //' | sort -u >"$T/opts"
	check "--help lists options" [ -s "$T/opts" ]
	while read -r o; do
		name=${o#-}; name=${name#-}
		check "option $o is documented" grep -q -- "$name" "$T/page.txt"
	done <"$T/opts"
fi

# Keys of the example configuration (the values of extra_attributes are
# user data, and rules/filters are lists).
if python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$top/examples/pauditd.yaml.example" >"$T/keys" <<'PY'
import sys, yaml
def walk(node, path):
    for k, v in node.items():
        p = path + [str(k)]
        print(".".join(p))
        if isinstance(v, dict) and k != "extra_attributes":
            walk(v, p)
walk(yaml.safe_load(open(sys.argv[1])), [])
PY
	check "example keys found" [ "$(wc -l <"$T/keys")" -gt 60 ]
	while read -r k; do
		leaf=${k##*.}
		check "key $k is documented" grep -qE "(^|[^a-z_])$leaf([^a-z_]|$)" "$page"
	done <"$T/keys"
else
	echo "   (python3-yaml missing: example keys not checked)"
fi

# Every key of every module's table in src/ (cfg_field tables: .key =,
# positional initializers, and config.c's F/N/S macros).
{
	grep -rhoE '\.key = "[a-z_.-]+"' "$top/src" | sed -E 's/.*"(.*)"/\1/'
	grep -rhoE '\{ "[a-z_.-]+", CFG_' "$top/src" | sed -E 's/\{ "([^"]*)".*/\1/'
	grep -rhoE '^[[:space:]]*(F|N|S)\("[a-z_.-]+"' "$top/src" | sed -E 's/.*"(.*)"/\1/'
} | sort -u >"$T/schema"
check "schema keys found in src" [ "$(wc -l <"$T/schema")" -gt 50 ]
sed 's/\\-/-/g' "$page" >"$T/plain"
while read -r k; do
	check "schema key $k is documented" grep -qE "(^|[^a-z_-])$k([^a-z_-]|$)" "$T/plain"
done <"$T/schema"

# Metrics registered in the sources: literal names, and the output core's
# pauditd_output_<suffix>_total family.
{
	grep -rhoE '"pauditd_[a-z_]*[a-z]"' "$top/src" | tr -d '"'
	grep -rhoE 'out_counter\(o, "[a-z_]+"' "$top/src" |
	    sed -E 's/.*"([a-z_]+)"/pauditd_output_\1_total/'
} | sort -u >"$T/metrics"
check "metric names found in src" [ "$(wc -l <"$T/metrics")" -gt 20 ]
while read -r m; do
	check "metric $m is documented" grep -qE "(^|[^a-z_])$m([^a-z_]|$)" "$page"
done <"$T/metrics"

echo "$np passed, $nf failed"
[ "$nf" = 0 ]
