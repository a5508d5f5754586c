#!/bin/sh
# gelf output against a loopback GELF receiver: UDP with gzip, zlib and no
# compression, chunking above 1420 bytes, the 128-chunk limit (dropped,
# logged, counted), and TCP with NUL-terminated frames. Every message is
# checked byte for byte.
. "$(dirname "$0")/../servers/lib.sh"

bg python3 "$SERVERS/gelf_recv.py" serve --out "$T/rec" \
    --udp-port-file "$T/uport" --tcp-port-file "$T/tport"
wait_for "$T/tport" || { nok "receiver started"; finish; }
UPORT=$(cat "$T/uport")
TPORT=$(cat "$T/tport")
HOST=$(hostname)

# Small events, plus one of ~6 KB that needs chunks when not compressed.
gen_events "$T/in.log" 8000 5 "k"
gen_events "$T/in.log" 8005 1 "k" 6000
expected_lines "$T/in.log" "$T/expected"

run() {	# NAME NETWORK PORT [TYPE LEVEL] [INPUT]
	{
		printf 'output:\n  gelf:\n    enabled: true\n'
		printf '    network: %s\n    address: 127.0.0.1:%s\n' "$2" "$3"
		[ -n "$4" ] && printf '    compression:\n      type: %s\n      level: %s\n' "$4" "$5"
	} > "$T/$1.yaml"
	: > "$T/rec"
	timeout 60 "$PAUDITD" --input "${6:-$T/in.log}" -config "$T/$1.yaml" \
	    --metrics-out "$T/$1.metrics" 2> "$T/$1.stderr"
	RC=$?
}

run gzip udp "$UPORT"
eq "udp gzip (default): exit 0" $RC 0
wait_lines "$T/rec" 6 5
check "udp gzip: GELF 1.1 byte for byte" \
    python3 "$SERVERS/gelf_recv.py" check "$T/rec" "$T/expected" "$HOST" udp gzip
eq "udp gzip: written" "$(metric "$T/gzip.metrics" pauditd_output_events_total gelf)" 6

run zlib udp "$UPORT" 1 9
eq "udp zlib: exit 0" $RC 0
wait_lines "$T/rec" 6 5
check "udp zlib level 9: byte for byte" \
    python3 "$SERVERS/gelf_recv.py" check "$T/rec" "$T/expected" "$HOST" udp zlib

run none udp "$UPORT" 2 1
eq "udp none: exit 0" $RC 0
wait_lines "$T/rec" 6 5
check "udp uncompressed: the 6 KB event reassembled from >= 5 chunks" \
    python3 "$SERVERS/gelf_recv.py" check "$T/rec" "$T/expected" "$HOST" udp none 5

run tcp tcp "$TPORT"
eq "tcp: exit 0" $RC 0
wait_lines "$T/rec" 6 5
check "tcp: NUL-terminated, uncompressed, byte for byte" \
    python3 "$SERVERS/gelf_recv.py" check "$T/rec" "$T/expected" "$HOST" tcp none

# The receiver restarts between two batches: the closed TCP connection is
# noticed and replaced, nothing is lost.
gen_events "$T/r1.log" 8200 3 "k"
gen_events "$T/r2.log" 8203 3 "k"
cat "$T/r1.log" "$T/r2.log" > "$T/r.log"
expected_lines "$T/r.log" "$T/r.expected"
mkdir -p "$T/re"
bg python3 "$SERVERS/gelf_recv.py" serve --out "$T/re/rec" \
    --udp-port-file "$T/re/uport" --tcp-port-file "$T/re/tport"
wait_for "$T/re/tport" || nok "second receiver started"
rpid=$LASTPID
rport=$(cat "$T/re/tport")
printf 'output:\n  gelf:\n    enabled: true\n    attempts: 20\n    network: tcp\n    address: 127.0.0.1:%s\n' \
    "$rport" > "$T/re.yaml"
mkfifo "$T/fifo"
bg sh -c "exec \"$PAUDITD\" --input - -config \"$T/re.yaml\" < \"$T/fifo\" 2> \"$T/re.stderr\""
pid=$LASTPID
exec 3> "$T/fifo"
cat "$T/r1.log" >&3
wait_lines "$T/re/rec" 3 5
kill "$rpid"; wait "$rpid" 2>/dev/null
rm -f "$T/re/tport"
bg python3 "$SERVERS/gelf_recv.py" serve --out "$T/re/rec" --tcp-port "$rport" \
    --udp-port-file "$T/re/uport" --tcp-port-file "$T/re/tport" 3>&-
wait_for "$T/re/tport" || nok "receiver restarted"
cat "$T/r2.log" >&3
exec 3>&-
wait "$pid"
eq "tcp reconnect: exit 0" $? 0
wait_lines "$T/re/rec" 6 5
check "tcp reconnect: all six arrive exactly once" \
    python3 "$SERVERS/gelf_recv.py" check "$T/re/rec" "$T/r.expected" "$HOST" tcp none

# A receiver that takes the first connection, reads nothing, then resets
# it (as one killed does): what that connection had not acknowledged is
# sent again on the next, whole and once; only what its kernel took
# unread (a small receive buffer) is lost, and the loss is said.
gen_events "$T/rs.log" 8300 300 "k"
mkdir -p "$T/rs"
bg python3 "$SERVERS/gelf_recv.py" serve --out "$T/rs/rec" --reset-first 1.5 \
    --rcvbuf 4096 --udp-port-file "$T/rs/uport" --tcp-port-file "$T/rs/tport"
wait_for "$T/rs/tport" || nok "resetting receiver started"
printf 'output:\n  gelf:\n    enabled: true\n    network: tcp\n    address: 127.0.0.1:%s\n' \
    "$(cat "$T/rs/tport")" > "$T/rs.yaml"
timeout 60 "$PAUDITD" --input "$T/rs.log" -config "$T/rs.yaml" \
    --metrics-out "$T/rs.metrics" 2> "$T/rs.stderr"
eq "tcp reset: exit 0" $? 0
check "tcp reset: said, with what is sent again" \
    grep -q 'connection to 127.0.0.1:[0-9]* reset: [1-9][0-9]* events it had not acknowledged are sent again' "$T/rs.stderr"
check "tcp reset: counted as resent" \
    test "$(metric "$T/rs.metrics" pauditd_output_resent_total gelf)" -gt 0
wait_lines "$T/rs/rec" 250 5
sleep 0.3
cat > "$T/seqs.py" <<'PY'
import base64, json, sys
seqs = [json.loads(json.loads(base64.b64decode(json.loads(l)["raw_b64"]))["short_message"])["sequence"]
        for l in open(sys.argv[1])]
sys.exit(0 if len(seqs) == len(set(seqs)) and len(seqs) >= int(sys.argv[2]) else 1)
PY
check "tcp reset: each event at most once, at most the receive buffer's worth lost" \
    python3 "$T/seqs.py" "$T/rs/rec" 260

# 200 KB uncompressed needs more than 128 chunks: dropped and counted; the
# small events around it still go out.
gen_events "$T/big.log" 8100 1 "k"
gen_events "$T/big.log" 8101 1 "k" 200000
gen_events "$T/big.log" 8102 1 "k"
expected_lines "$T/big.log" "$T/big.expected"
grep -v 'xxxxxxxxxxxxxxxxxxxx' "$T/big.expected" > "$T/big.small"
run big udp "$UPORT" 2 1 "$T/big.log"
eq "too many chunks: exit 3 (a replay that dropped events)" $RC 3
wait_lines "$T/rec" 2 5
sleep 0.3
check "too many chunks: only the two small events arrive" \
    python3 "$SERVERS/gelf_recv.py" check "$T/rec" "$T/big.small" "$HOST" udp none
eq "too many chunks: counted" \
    "$(metric "$T/big.metrics" pauditd_output_oversize_total gelf)" 1
eq "too many chunks: counted as rejected" \
    "$(metric "$T/big.metrics" pauditd_output_dropped_rejected_total gelf)" 1
check "too many chunks: reported clearly" \
    grep -q 'needs 1[0-9][0-9] GELF chunks, more than 128, dropping' "$T/big.stderr"
# Compressed, the same event fits.
run biggz udp "$UPORT" 0 1 "$T/big.log"
wait_lines "$T/rec" 3 5
check "gzip: the 200 KB event fits in chunks" \
    python3 "$SERVERS/gelf_recv.py" check "$T/rec" "$T/big.expected" "$HOST" udp gzip

# Configuration errors.
printf 'output:\n  gelf:\n    enabled: true\n    network: unix\n    address: nohost\n    compression:\n      type: 3\n' \
    > "$T/bad.yaml"
"$PAUDITD" --check-config -config "$T/bad.yaml" > /dev/null 2> "$T/bad.err"
check "bad network rejected" grep -q 'output.gelf.network: unsupported network' "$T/bad.err"
check "bad address rejected" grep -q 'output.gelf.address: must be host:port' "$T/bad.err"
check "bad compression type rejected" grep -q 'output.gelf.compression.type' "$T/bad.err"

finish
