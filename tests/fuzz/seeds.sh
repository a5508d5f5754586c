#!/bin/sh
# tests/fuzz/seeds.sh OUT: the fuzzers' seed corpora and dictionaries,
# made from the project's own inputs so that they follow them:
#   OUT/seeds/replay  every tests/golden/*.log, whole
#   OUT/seeds/record  every line of them, one file each (json: the same)
#   OUT/seeds/config  examples/*.yaml*, tests/golden/*.yaml
#   OUT/dict/*.dict   tests/fuzz/audit.dict and the golden logs' field and
#                     type names (record, replay); tests/fuzz/config.dict
#                     and the example config's keys (config);
#                     tests/fuzz/json.dict (json)
# The seeds are read only: libFuzzer writes what it finds to the corpus
# directory given first (tests/fuzz/run.sh: build/fuzz/corpus/NAME).
set -e
export LC_ALL=C		# the logs hold bytes that are not text, on purpose
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: seeds.sh OUTDIR}
rm -rf "$out/seeds" "$out/dict"
mkdir -p "$out/seeds/replay" "$out/seeds/record" "$out/seeds/json" \
    "$out/seeds/config" "$out/dict"

for f in "$top"/tests/golden/*.log; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .log)
	cp "$f" "$out/seeds/replay/$b"
	# One file per line, named after the log and the line number.
	awk -v d="$out/seeds/record" -v b="$b" '{
		f = sprintf("%s/%s-%03d", d, b, NR)
		printf "%s", $0 > f
		close(f)
	}' "$f"
done
cp "$out/seeds/record/"* "$out/seeds/json/"

for f in "$top"/examples/*.yaml "$top"/examples/*.yaml.example \
    "$top"/tests/golden/*.yaml; do
	[ -e "$f" ] || continue
	cp "$f" "$out/seeds/config/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# A dictionary entry per distinct token, as libFuzzer reads them ("..."):
# printable ASCII only, without quotes or backslashes, which need escapes.
entries() {
	grep -E '^[] !#-[^-~]+$' | sort -u | awk '{ printf "\"%s\"\n", $0 }'
}

# record, replay: field names ("uid=") and type names ("type=SYSCALL").
audit_dict="$out/dict/audit.dict"
cp "$top/tests/fuzz/audit.dict" "$audit_dict"
{
	echo "# generated from tests/golden/*.log by tests/fuzz/seeds.sh"
	cat "$top"/tests/golden/*.log | tr ' ' '\n' |
	    sed -nE 's/^([a-zA-Z_][a-zA-Z0-9_-]*=).*/\1/p' |
	    grep -vE '^a[0-9]{2,}=' | entries	# a long EXECVE's a10= .. a139=
	cat "$top"/tests/golden/*.log |
	    sed -nE 's/^(node=[^ ]* )?type=([A-Z_]+(\[[0-9]+\])?) .*/type=\2 /p' | entries
} >>"$audit_dict"
cp "$audit_dict" "$out/dict/record.dict"
cp "$audit_dict" "$out/dict/replay.dict"
rm -f "$audit_dict"

# config: every key of the example ("enabled:"), after the YAML syntax.
cp "$top/tests/fuzz/config.dict" "$out/dict/config.dict"
{
	echo "# generated from examples/pauditd.yaml.example by tests/fuzz/seeds.sh"
	for f in "$top"/examples/*.yaml "$top"/examples/*.yaml.example; do
		[ -e "$f" ] || continue
		sed -nE 's/^[ -]*"?([a-zA-Z_][a-zA-Z0-9_-]*)"?:.*/\1:/p' "$f"
	done | entries
} >>"$out/dict/config.dict"

cp "$top/tests/fuzz/json.dict" "$out/dict/json.dict"
