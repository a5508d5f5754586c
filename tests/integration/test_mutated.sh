#!/bin/sh
# Mutated logs: gencorpus's records with bytes flipped, lines cut short,
# ENRICHED suffixes, long runs of uid= fields, garbage lines and no final
# newline, from fixed seeds. Every replay must exit 0 without a sanitizer
# report (the test binary is the ASan/UBSan build), and the lines must be
# the same whether the events keep their records' texts (a filter is
# configured) or not (records are escaped where the source has them, the
# bytes after each one being whatever the log holds): the two ways must
# never differ, and neither may read past a record. Stdin gives the same
# lines as the file.
bin=${PAUDITD:-./pauditd}
tools=${TOOLBIN:-build/rel/tools}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=0; F=0
check() {	# name, condition (a shell command)
	if sh -c "$2" >/dev/null 2>&1; then P=$((P + 1)); else F=$((F + 1)); echo "FAIL $1"; fi
}

if ! command -v python3 >/dev/null; then
	echo "python3 missing"; exit 77
fi
"$tools/gencorpus" -n 3000 -s 17 -o "$tmp/base.log" -m "$tmp/base.meta" || exit 1
python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
lines = open(d + '/base.log', 'rb').read().split(b'\n')
for k in range(8):
    rnd = random.Random(k)
    out = []
    for l in lines:
        r = rnd.random()
        if r < 0.02 and l:
            i = rnd.randrange(len(l))
            l = l[:i] + bytes([rnd.randrange(256)]) + l[i + 1:]
        elif r < 0.03 and l:
            l = l[:rnd.randrange(len(l))]
        elif r < 0.035:
            l += b'\x1d' + bytes(rnd.randrange(256) for _ in range(rnd.randrange(100)))
        elif r < 0.037:
            l += b' uid=' + b'9' * rnd.randrange(1, 40) + b' x' * rnd.randrange(1, 3000)
        elif r < 0.038:
            l = bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))
        out.append(l.replace(b'\n', b' '))
    data = b'\n'.join(out)
    if k % 3 == 0:
        data = data.rstrip(b'\n')
    open('%s/m%d.log' % (d, k), 'wb').write(data)
PY
printf 'events:\n  min: 1100\n  max: 1399\noutput:\n  stdout:\n    enabled: true\n' > "$tmp/drop.yaml"
cat "$tmp/drop.yaml" - > "$tmp/keep.yaml" <<'Y'
filters:
  - syscall: 59
    message_type: 1309
    regex: 'never in any record'
Y

for k in 0 1 2 3 4 5 6 7; do
	m="$tmp/m$k.log"
	"$bin" --input "$m" -config "$tmp/drop.yaml" >"$tmp/drop.out" 2>"$tmp/drop.err"; rd=$?
	"$bin" --input "$m" -config "$tmp/keep.yaml" >"$tmp/keep.out" 2>"$tmp/keep.err"; rk=$?
	"$bin" --input - -config "$tmp/drop.yaml" <"$m" >"$tmp/pipe.out" 2>/dev/null
	check "m$k: exit 0 without texts" "[ $rd = 0 ]"
	check "m$k: exit 0 with texts" "[ $rk = 0 ]"
	check "m$k: no sanitizer report" "! grep -qiE 'sanitizer|runtime error' $tmp/drop.err $tmp/keep.err"
	check "m$k: events written" "[ \$(wc -l < $tmp/drop.out) -gt 1000 ]"
	check "m$k: the same lines with and without texts" "cmp -s $tmp/drop.out $tmp/keep.out"
	check "m$k: the same lines from stdin" "cmp -s $tmp/drop.out $tmp/pipe.out"
done

echo "$P passed, $F failed"
[ "$F" = 0 ]
