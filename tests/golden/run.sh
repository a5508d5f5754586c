#!/bin/sh
# Golden tests: each NNN-case.log (auditd-format records) is replayed with
# pauditd --input into a file output, and the result must equal
# NNN-case.json byte for byte. NNN-case.yaml, if present, is the config
# (@OUT@ stands for the output file); NNN-case.metrics lists metric lines
# that --metrics-out must contain. GOLDEN_UPDATE=1 rewrites the .json files.
here=$(cd "$(dirname "$0")" && pwd)
bin=${PAUDITD:-$here/../../pauditd}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
for log in "$here"/*.log; do
	case=$(basename "$log" .log)
	out="$tmp/$case.out"
	cfg="$tmp/$case.yaml"
	if [ -f "$here/$case.yaml" ]; then
		sed "s|@OUT@|$out|g" "$here/$case.yaml" > "$cfg"
	else
		printf 'output:\n  file:\n    enabled: true\n    path: %s\n    mode: 0600\n' "$out" > "$cfg"
	fi
	: > "$out"
	if ! "$bin" --input "$log" -config "$cfg" --metrics-out "$tmp/$case.prom" 2>"$tmp/$case.err"; then
		echo "FAIL $case: pauditd exited non-zero"; sed 's/^/    /' "$tmp/$case.err"
		fail=$((fail + 1)); continue
	fi
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$out" "$here/$case.json"
	fi
	if ! diff -u "$here/$case.json" "$out" > "$tmp/$case.diff"; then
		echo "FAIL $case: output differs"; head -40 "$tmp/$case.diff"
		fail=$((fail + 1)); continue
	fi
	if [ -f "$here/$case.metrics" ]; then
		missing=$(grep -v '^#' "$here/$case.metrics" | while IFS= read -r line; do
			[ -z "$line" ] && continue
			grep -qxF "$line" "$tmp/$case.prom" || echo "$line"
		done)
		if [ -n "$missing" ]; then
			echo "FAIL $case: metrics missing:"; echo "$missing" | sed 's/^/    /'
			echo "  got:"; grep -v ' 0$' "$tmp/$case.prom" | sed 's/^/    /'
			fail=$((fail + 1)); continue
		fi
	fi
	echo "ok   $case"
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
