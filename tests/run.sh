#!/bin/sh
# tests/run.sh: run every unit test binary, the golden tests and the
# integration tests; sum their "N passed, N failed" lines into one.
# A script with no such line counts as one test (exit 0 pass, 77 skip).
# --unit-only: the unit tests alone; --integration-only: the integration
# tests alone (unit test names after it are ignored, golden is skipped).
# Env: TESTBIN (unit binaries), PAUDITD (binary under test), TOOLBIN.
top=$(cd "$(dirname "$0")/.." && pwd)
unit_only=0
integration_only=0
[ "$1" = "--unit-only" ] && { unit_only=1; shift; }
[ "$1" = "--integration-only" ] && { integration_only=1; set --; }
P=0; F=0; S=0
log=$(mktemp)
tally() {	# name, exit code, output file
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$3" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
		s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
		P=$((P + p)); F=$((F + f)); S=$((S + ${s:-0}))
		[ "$2" != 0 ] && [ "$f" = 0 ] && { F=$((F + 1)); echo "FAIL $1 (exit $2)"; }
	elif [ "$2" = 0 ]; then P=$((P + 1))
	elif [ "$2" = 77 ]; then S=$((S + 1))
	else F=$((F + 1)); echo "FAIL $1 (exit $2)"; fi
}
run() {	# name, command...
	name=$1; shift
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	grep -vE '^ok  ' "$log" | grep -vE '^[0-9]+ passed, [0-9]+ failed' | sed 's/^/   /'
	tally "$name" "$rc" "$log"
}
for t in "$@"; do
	run "unit/$t" "$TESTBIN/$t"
done
if [ "$unit_only" = 0 ]; then
	[ "$integration_only" = 0 ] && run golden sh "$top/tests/golden/run.sh"
	for s in "$top"/tests/integration/test_*.sh; do
		[ -e "$s" ] || continue
		run "integration/$(basename "$s" .sh)" sh "$s"
	done
fi
rm -f "$log"
echo
echo "$P passed, $F failed, $S skipped"
[ "$F" = 0 ]
