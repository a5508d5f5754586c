#!/bin/sh
# bench/profile.sh SECONDS: a CPU profile of the daemon replaying the
# benchmark corpus into JSON on /dev/null (make bench-cpu: 5 s,
# make bench-cpulong: 60 s). Prints the hottest functions.
#
# Profiler, unless PROFILER=perf|callgrind says which: perf with the
# hardware cycle counter when `perf stat -e instructions` works; else
# valgrind --tool=callgrind, whose instruction counts repeat exactly from
# run to run, on a smaller corpus (callgrind runs about fifty times
# slower). PROFILER=perf on a machine without a PMU (most VMs) samples
# the cpu-clock software timer instead, kernel time included.
# perf replays the corpus in a loop for SECONDS; callgrind replays a
# corpus of SECONDS x 10000 events once. Output goes to build/bench/.
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-5}
PAUDITD=${PAUDITD:-./pauditd}
TOOLBIN=${TOOLBIN:-build/rel/tools}
EVENTS=${BENCH_EVENTS:-275000}
SEED=${BENCH_SEED:-1}
OUT=build/bench
TOP=${PROFILE_TOP:-30}
mkdir -p "$OUT"

die() { echo "profile: $*" >&2; exit 1; }
meta() { sed -n "s/^$2=//p" "$1.meta"; }

corpus() {
	if [ -s "$1" ] && [ -s "$1.meta" ] && [ "$(meta "$1" events)" = "$2" ] &&
	    [ "$(meta "$1" seed)" = "$SEED" ]; then
		return
	fi
	echo "profile: generating $1 ($2 events)"
	"$TOOLBIN/gencorpus" -n "$2" -s "$SEED" -o "$1.tmp" -m "$1.meta"
	mv "$1.tmp" "$1"
}

cat > "$OUT/devnull.yaml" <<'EOF'
events:
  min: 1100
  max: 1399
message_tracking:
  enabled: true
output:
  file:
    enabled: true
    path: /dev/null
EOF

pmu=no
if command -v perf >/dev/null 2>&1 &&
    perf stat -x, -e instructions true 2>&1 | grep -q '^[0-9]'; then
	pmu=yes
fi
if [ -z "${PROFILER:-}" ]; then
	PROFILER=callgrind
	[ "$pmu" = yes ] && PROFILER=perf
fi
EVENT=cycles
[ "$pmu" = yes ] || EVENT=cpu-clock

case "$PROFILER" in
perf)
	command -v perf >/dev/null 2>&1 || die "perf not found (apt-get install linux-perf)"
	CORPUS=$OUT/corpus.log
	corpus "$CORPUS" "$EVENTS"
	cat "$CORPUS" > /dev/null
	echo "profile: perf ($EVENT), replaying $CORPUS ($(meta "$CORPUS" records) records) for ${SECS}s"
	perf record -q -e "$EVENT" -F 999 -o "$OUT/perf.data" -- sh -c '
		end=$(($(date +%s) + $1)); n=0
		while [ "$(date +%s)" -lt "$end" ] || [ "$n" -eq 0 ]; do
			"$2" --input "$3" -config "$4" 2>/dev/null || exit 1
			n=$((n + 1))
		done
		echo "profile: $n replays"' sh "$SECS" "$PAUDITD" "$CORPUS" "$OUT/devnull.yaml"
	echo "profile: top functions (self time, all threads; $OUT/perf.data)"
	perf report -q -i "$OUT/perf.data" --stdio --no-children --comm pauditd \
	    --sort symbol,dso 2>/dev/null | grep -v '^$' | head -n "$TOP"
	;;
callgrind)
	command -v valgrind >/dev/null 2>&1 || die "valgrind not found (apt-get install valgrind)"
	N=$((SECS * 10000))
	CORPUS=$OUT/corpus-cg-$N.log
	corpus "$CORPUS" "$N"
	RECS=$(meta "$CORPUS" records)
	echo "profile: callgrind, replaying $CORPUS ($RECS records) once"
	valgrind -q --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
	    "$PAUDITD" --input "$CORPUS" -config "$OUT/devnull.yaml" 2>/dev/null ||
	    die "pauditd failed under valgrind"
	TOTAL=$(callgrind_annotate "$OUT/callgrind.out" 2>/dev/null |
	    sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	[ -n "$TOTAL" ] && echo "profile: $TOTAL instructions, $((TOTAL / RECS)) per record"
	echo "profile: top functions (instructions; $OUT/callgrind.out)"
	callgrind_annotate "$OUT/callgrind.out" 2>/dev/null |
	    sed -n '/^-* *$/d; /file:function/,$p' | head -n "$((TOP + 2))"
	;;
*)
	die "PROFILER must be perf or callgrind"
	;;
esac
