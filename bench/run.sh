#!/bin/sh
# bench/run.sh: make bench. Generates the corpus (once), runs every
# bench_* binary on it, then times the whole daemon replaying it into
# JSON (null output, and a file output on /dev/null), and again on a
# corpus four times larger to show that peak memory stays flat.
#
# Environment (make bench sets the first three):
#   PAUDITD        the release binary          (default ./pauditd)
#   BENCHBIN       the bench_* binaries        (default build/rel/bench)
#   TOOLBIN        gencorpus, cputime          (default build/rel/tools)
#   BENCH_EVENTS   events in the corpus        (default 275000, ~1.2M records)
#   BENCH_SEED     gencorpus seed              (default 1)
#   BENCH_RUNS     runs of the daemon per case (default 5, the median is kept)
#   BENCH_ITERS, BENCH_WARMUP                  (see bench/bench.h)
#   BENCH_TARGET_NS  CPU ns per record allowed (default 150)
#   BENCH_CALLGRIND  0 skips the instruction count under callgrind
set -eu
cd "$(dirname "$0")/.."
PAUDITD=${PAUDITD:-./pauditd}
BENCHBIN=${BENCHBIN:-build/rel/bench}
TOOLBIN=${TOOLBIN:-build/rel/tools}
EVENTS=${BENCH_EVENTS:-275000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
TARGET=${BENCH_TARGET_NS:-150}
OUT=build/bench
RESULTS=$OUT/results.txt

mkdir -p "$OUT"
: > "$RESULTS"

die() { echo "bench: FAIL: $*" >&2; exit 1; }
meta() { sed -n "s/^$2=//p" "$1.meta"; }

# Generate $1 with $2 events unless it is already there with that size.
corpus() {
	if [ -s "$1" ] && [ -s "$1.meta" ] && [ "$(meta "$1" events)" = "$2" ] &&
	    [ "$(meta "$1" seed)" = "$SEED" ]; then
		return
	fi
	echo "bench: generating $1 ($2 events, seed $SEED)"
	"$TOOLBIN/gencorpus" -n "$2" -s "$SEED" -o "$1.tmp" -m "$1.meta"
	mv "$1.tmp" "$1"
}

CORPUS=$OUT/corpus.log
BIG=$OUT/corpus-4x.log
corpus "$CORPUS" "$EVENTS"
corpus "$BIG" $((EVENTS * 4))

# The daemon's configs: every record type of the corpus kept (1100-1399).
cat > "$OUT/null.yaml" <<'EOF'
events:
  min: 1100
  max: 1399
message_tracking:
  enabled: true
output:
  null:
    enabled: true
EOF
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

echo "== component benchmarks ($CORPUS: $(meta "$CORPUS" events) events, $(meta "$CORPUS" records) records, $(meta "$CORPUS" bytes) bytes)"
for b in "$BENCHBIN"/bench_*; do
	[ -x "$b" ] || continue
	n=$(basename "$b")
	"$b" "$CORPUS" > "$OUT/out.$n" || { cat "$OUT/out.$n"; die "$n"; }
	cat "$OUT/out.$n"
	cat "$OUT/out.$n" >> "$RESULTS"
done

# Put $1 in the page cache as a log read from disk is: written back,
# dropped, read once. The daemon is then timed, not the disk, and the
# file's pages are the same in every run whatever wrote them: a corpus
# just written by gencorpus sits in the cache in the 4 KiB folios of its
# writes, one read from disk in the large folios of readahead, and the
# kernel's read() copies the latter faster (see bench/README.md).
from_disk() {
	sync "$1"
	dd if="$1" iflag=nocache count=0 status=none
	cat "$1" > /dev/null
}

# whole NAME CONFIG CORPUS OUTPUT: run the daemon RUNS times, keep the median.
whole() {
	name=$1 conf=$2 in=$3 out=$4
	recs=$(meta "$in" records)
	evs=$(meta "$in" events)
	from_disk "$in"
	: > "$OUT/runs.$name"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		# CPU time to the microsecond (tools/cputime, wait4).
		"$TOOLBIN/cputime" -o "$OUT/time.$name" "$PAUDITD" --input "$in" \
		    -config "$conf" --metrics-out "$OUT/metrics.$name" \
		    2> "$OUT/stderr.$name" || die "$name: pauditd failed (see $OUT/stderr.$name)"
		got=$(sed -n 's/^pauditd_events_total //p' "$OUT/metrics.$name")
		wrote=$(sed -n "s/^pauditd_output_events_total{output=\"$out\"} //p" "$OUT/metrics.$name")
		[ "$got" = "$evs" ] || die "$name: $got events published, the corpus has $evs"
		[ "$wrote" = "$evs" ] || die "$name: the $out output wrote $wrote of $evs events"
		cat "$OUT/time.$name" >> "$OUT/runs.$name"	# user sys wall rss
		i=$((i + 1))
	done
	# The run with the median CPU time (user + sys), the median peak RSS,
	# and the smallest: events waiting for a delayed output worker add to
	# some runs' peak (the queue holds up to buffer_size of them), a leak
	# would add to every run's.
	set -- $(sort -n -k4 "$OUT/runs.$name" |
	    awk -v n="$RUNS" 'NR == 1 { min = $4 } NR == int((n + 1) / 2) { med = $4 }
		END { print med, min }')
	rss=$1 rss_min=$2
	awk '{ print $1 + $2, $0 }' "$OUT/runs.$name" | sort -n |
	    awk -v n="$RUNS" -v recs="$recs" -v name="$name" -v rss="$rss" \
	    -v rss_min="$rss_min" '
		NR == 1 { best = $1 }
		NR == int((n + 1) / 2) {
			cpu = $1; u = $2; s = $3; e = $4
			printf "BENCH name=%s items=%d unit=record iters=%d cpu_ns=%.1f" \
			    " cpu_ns_min=%.1f user_s=%.3f sys_s=%.3f wall_s=%.3f wall_ns=%.1f" \
			    " rate=%.2fM/s maxrss_kb=%d maxrss_min_kb=%d\n", name, recs, n,
			    cpu * 1e9 / recs, best * 1e9 / recs, u, s, e, e * 1e9 / recs,
			    (e > 0 ? recs / e / 1e6 : 0), rss, rss_min
		}' | tee -a "$RESULTS"
}

# Instructions the daemon executes: callgrind_annotate's PROGRAM TOTALS.
instructions() {
	valgrind -q --tool=callgrind --callgrind-out-file="$OUT/callgrind.bench" \
	    "$PAUDITD" --input "$1" -config "$OUT/devnull.yaml" 2>/dev/null ||
	    die "pauditd failed under valgrind on $1"
	callgrind_annotate "$OUT/callgrind.bench" 2>/dev/null |
	    sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}

echo "== whole process: $PAUDITD --input CORPUS (median of $RUNS runs, CPU = user + sys of every thread)"
whole process.null "$OUT/null.yaml" "$CORPUS" null
whole process.devnull "$OUT/devnull.yaml" "$CORPUS" file
whole process.devnull.4x "$OUT/devnull.yaml" "$BIG" file

# CPU time moves with the load on the machine; instruction counts do not.
# Instructions per record: the difference between a 50000-event replay
# and a one-event replay (start-up and exit cancel out).
if [ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	echo "== instructions per record (callgrind, every thread)"
	corpus "$OUT/corpus-cg.log" 50000
	corpus "$OUT/corpus-cg1.log" 1
	ir_n=$(instructions "$OUT/corpus-cg.log")
	ir_1=$(instructions "$OUT/corpus-cg1.log")
	r_n=$(meta "$OUT/corpus-cg.log" records)
	r_1=$(meta "$OUT/corpus-cg1.log" records)
	awk -v a="$ir_n" -v b="$ir_1" -v ra="$r_n" -v rb="$r_1" 'BEGIN {
		printf "BENCH name=process.devnull.instructions items=%d unit=record iters=1" \
		    " instr=%.0f startup_instr=%.0f\n", ra, (a - b) / (ra - rb), b
	}' | tee -a "$RESULTS"
fi

echo "== summary"
awk -v target="$TARGET" '
	/^BENCH / {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if ("instr" in f) {
			printf "%-28s %10s %-7s %9s instructions/record\n", f["name"],
			    f["items"], f["unit"] "s", f["instr"]
			next
		}
		printf "%-28s %10s %-7s %9s ns/%-7s (best %7s) %10s %s\n", f["name"],
		    f["items"], f["unit"] "s", f["cpu_ns"], f["unit"], f["cpu_ns_min"],
		    f["rate"], ("maxrss_kb" in f) ? "  peak RSS " f["maxrss_kb"] " kB" : ""
		if (f["name"] == "process.devnull") {
			dn = f["cpu_ns"]; dnb = f["cpu_ns_min"]; n1 = f["items"]
			rss1 = f["maxrss_min_kb"]; med1 = f["maxrss_kb"]
		}
		if (f["name"] == "process.devnull.4x") {
			rss4 = f["maxrss_min_kb"]; med4 = f["maxrss_kb"]; n4 = f["items"]
		}
		if (f["name"] == "record.parse_line") pl = f["cpu_ns"]
	}
	END {
		printf "\n"
		if (dn != "")
			printf "target: replay -> JSON on /dev/null at most %d CPU ns/record: median %.1f, best %.1f ns/record: %s\n",
			    target, dn, dnb, (dn + 0 <= target + 0) ? "MET" : "NOT MET"
		if (dn != "" && pl != "")
			printf "host speed in this run: record.parse_line at %.1f ns/record (the same code runs 1.3 to 1.5 times slower when the host is busy: bench/README.md)\n", pl
		if (rss1 != "" && rss4 != "")
			printf "peak memory (the smallest peak of the runs): %d kB for 1x, %d kB for 4x the input (x%.2f, %+.1f bytes per extra record; medians %d and %d kB): %s\n",
			    rss1, rss4, rss4 / rss1, (rss4 - rss1) * 1024 / (n4 - n1),
			    med1, med4, (rss4 <= rss1 * 1.5) ? "flat" : "GROWS"
	}' "$RESULTS" | tee "$OUT/summary.txt"
