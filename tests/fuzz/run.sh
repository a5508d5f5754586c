#!/bin/sh
# tests/fuzz/run.sh NAME...: run each libFuzzer harness build/fuzz/fuzz_NAME
# for FUZZ_SECONDS (60), one after the other, on its corpus
# (build/fuzz/corpus/NAME, kept between runs, grown by what it finds),
# the seeds made by seeds.sh and its dictionary. A crash, a sanitizer
# report, a broken invariant, a leak or a timeout fails the run: the
# report's end is printed with the reproducer's path (the input is in
# build/fuzz/artifacts/) and the command that runs it again. Every
# harness runs even after one failed; the exit status says if any did.
# Env: FUZZ_SECONDS, FUZZ_TIMEOUT (s per input, 30), FUZZ_FLAGS (more
# libFuzzer options), FUZZBIN (build/fuzz).
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FUZZBIN:-$top/build/fuzz}
secs=${FUZZ_SECONDS:-60}
tmo=${FUZZ_TIMEOUT:-30}
art=$bin/artifacts
[ $# -gt 0 ] || { echo "usage: run.sh NAME..." >&2; exit 2; }
mkdir -p "$art" "$bin/logs"
failed=""

# The longest input worth trying, per harness: a record is under 9 KB,
# a replay a few dozen of them, a config the example and some.
max_len() {
	case $1 in
	record)	echo 16384 ;;
	json)	echo 8192 ;;
	config)	echo 16384 ;;
	*)	echo 65536 ;;
	esac
}

for name in "$@"; do
	fz=$bin/fuzz_$name
	if [ ! -x "$fz" ]; then
		echo "fuzz $name: no harness $fz (tests/fuzz/fuzz_$name.c)"
		failed="$failed $name"
		continue
	fi
	corpus=$bin/corpus/$name
	log=$bin/logs/$name.log
	mkdir -p "$corpus"
	set -- -max_total_time="$secs" -timeout="$tmo" -max_len="$(max_len "$name")" \
	    -artifact_prefix="$art/$name-" -print_final_stats=1
	[ -f "$bin/dict/$name.dict" ] && set -- "$@" -dict="$bin/dict/$name.dict"
	echo "fuzz $name: ${secs}s, corpus $corpus, log $log"
	# shellcheck disable=SC2086
	"$fz" "$@" $FUZZ_FLAGS "$corpus" "$bin/seeds/$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+).*/cov \1, ft \2/p')
	if [ "$rc" = 0 ]; then
		echo "fuzz $name: ok, ${runs:-?} runs, ${cov:-no coverage line}, $(ls "$corpus" | wc -l) inputs in the corpus"
		continue
	fi
	failed="$failed $name"
	repro=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
	echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; the report:"
	# From the first line of the report, its stack's top, not the shadow map.
	awk '!on && /ERROR:|invariant broken|runtime error:|deadly signal|Test unit written/ { on = 1 }
	    on && /^Shadow bytes|^MS: / { exit }
	    on && !/^SUMMARY:/ && n++ < 20' "$log" | sed 's/^/    /'
	grep -E '^SUMMARY:' "$log" | tail -n 1 | sed 's/^/    /'
	if [ -n "$repro" ]; then
		echo "fuzz $name: reproducer: $repro"
		echo "fuzz $name: run it again: $fz $repro   (PAUDITD_FUZZ_LOG=1 shows the daemon's log)"
	else
		echo "fuzz $name: no reproducer written; the whole log: $log"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
echo "fuzz: every harness ran ${secs}s without a finding"
