#!/bin/sh
# HTTP output under faults: a server failing its first requests with 503
# (retried), one answering 400 (dropped, not retried), one that is down and
# then comes up (retried until delivered, pauditd does not exit), a slow one
# (timeout, then retries; worker_count requests in flight), and the circuit
# breaker opening against a failing server. Asserts what arrived and what
# was counted.
. "$(dirname "$0")/../servers/lib.sh"

gen_events "$T/in.log" 3000 5 "k"
expected_lines "$T/in.log" "$T/expected"

config() {	# FILE PORT ATTEMPTS WORKERS TIMEOUT
	cat > "$1" <<EOF
output:
  http:
    enabled: true
    attempts: $3
    url: http://127.0.0.1:$2/
    worker_count: $4
    timeout: $5
EOF
}

sink() {	# DIR ARGS...: start a sink writing DIR/rec, set $port
	d=$1; shift
	mkdir -p "$d"
	bg python3 "$SERVERS/http_sink.py" --out "$d/rec" --port-file "$d/port" "$@"
	wait_for "$d/port" || nok "sink started"
	port=$(cat "$d/port")
}

run() {	# DIR CONFIG: run pauditd, metrics in DIR/metrics, stderr in DIR/stderr
	timeout 120 "$PAUDITD" --input "$T/in.log" -config "$2" \
	    --metrics-out "$1/metrics" 2> "$1/stderr"
}

# 503 for the first two requests: retried, all delivered once.
sink "$T/a" --fail-first 2
config "$T/a/c.yaml" "$port" 3 1 5s
run "$T/a" "$T/a/c.yaml"
eq "503: exit 0" $? 0
eq "503: 7 requests" "$(python3 "$SERVERS/http_check.py" count "$T/a/rec")" 7
check "503: every event delivered once, byte for byte" \
    python3 "$SERVERS/http_check.py" bodies "$T/a/rec" "$T/expected" 201
eq "503: retries counted" "$(metric "$T/a/metrics" pauditd_output_retries_total http)" 2
eq "503: http_code.503" "$(metric "$T/a/metrics" pauditd_http_responses_total 503)" 2
eq "503: http_code.201" "$(metric "$T/a/metrics" pauditd_http_responses_total 201)" 5
eq "503: written" "$(metric "$T/a/metrics" pauditd_output_events_total http)" 5

# 429 and 408 are retried like 5xx.
for st in 429 408; do
	sink "$T/s$st" --fail-first 1 --fail-status $st
	config "$T/s$st/c.yaml" "$port" 3 1 5s
	run "$T/s$st" "$T/s$st/c.yaml"
	check "$st: every event delivered once" \
	    python3 "$SERVERS/http_check.py" bodies "$T/s$st/rec" "$T/expected" 201
	eq "$st: one retry" "$(metric "$T/s$st/metrics" pauditd_output_retries_total http)" 1
	eq "$st: http_code.$st" "$(metric "$T/s$st/metrics" pauditd_http_responses_total $st)" 1
done

# 400: dropped at once and counted.
sink "$T/b" --status 400
config "$T/b/c.yaml" "$port" 3 1 5s
run "$T/b" "$T/b/c.yaml"
eq "400: exit 0" $? 0
eq "400: one request per event" "$(python3 "$SERVERS/http_check.py" count "$T/b/rec")" 5
eq "400: no retries" "$(metric "$T/b/metrics" pauditd_output_retries_total http)" 0
eq "400: counted as rejected" \
    "$(metric "$T/b/metrics" pauditd_output_dropped_rejected_total http)" 5
eq "400: http_code.400" "$(metric "$T/b/metrics" pauditd_http_responses_total 400)" 5
check "400: logged" grep -q 'answered 400, dropping' "$T/b/stderr"

# Down, then up after 1.5 s: transport errors are retried until delivered.
mkdir -p "$T/c"
p=$(free_port)
bg python3 "$SERVERS/http_sink.py" --out "$T/c/rec" --port "$p" --start-delay 1.5
config "$T/c/c.yaml" "$p" 30 1 5s
run "$T/c" "$T/c/c.yaml"
eq "down-up: exit 0" $? 0
check "down-up: every event delivered once" \
    python3 "$SERVERS/http_check.py" bodies "$T/c/rec" "$T/expected"
check "down-up: request errors counted" \
    test "$(metric "$T/c/metrics" pauditd_http_request_errors_total http)" -ge 1
check "down-up: retries counted" \
    test "$(metric "$T/c/metrics" pauditd_output_retries_total http)" -ge 1
check "down-up: the error is logged" grep -q 'Connection refused\|Couldn.t connect' "$T/c/stderr"
eq "down-up: nothing dropped" \
    "$(metric "$T/c/metrics" pauditd_output_dropped_failed_total http)" 0

# Slow server (0.6 s per answer) with a 0.3 s timeout: every try times out,
# each event is dropped after its 2 attempts, and counted.
sink "$T/d" --delay 0.6
config "$T/d/c.yaml" "$port" 2 5 300ms
run "$T/d" "$T/d/c.yaml"
eq "slow: exit 0" $? 0
eq "slow: request errors (timeouts)" \
    "$(metric "$T/d/metrics" pauditd_http_request_errors_total http)" 10
eq "slow: failed events counted" \
    "$(metric "$T/d/metrics" pauditd_output_dropped_failed_total http)" 5
check "slow: timeout logged" grep -q 'timed out' "$T/d/stderr"

# Slow server, long enough timeout: 10 events at 0.5 s each over 5
# workers take about 1 s, not 5 (worker_count requests in flight).
: > "$T/in10.log"
gen_events "$T/in10.log" 4000 10 "k"
sink "$T/e" --delay 0.5
config "$T/e/c.yaml" "$port" 3 5 5s
start=$(date +%s%N)
timeout 60 "$PAUDITD" --input "$T/in10.log" -config "$T/e/c.yaml" 2> "$T/e/stderr"
el=$(( ($(date +%s%N) - start) / 1000000 ))
eq "concurrent: 10 delivered" "$(python3 "$SERVERS/http_check.py" count "$T/e/rec")" 10
check "concurrent: 5 in flight (${el} ms < 3500 ms)" test "$el" -lt 3500

# Nobody listening and a queue of 2: a replay waits for room instead of
# dropping the newest events (the kernel source would drop and count),
# every event fails after its attempts and is counted, pauditd does not
# exit early.
: > "$T/in20.log"
gen_events "$T/in20.log" 5100 20 "k"
mkdir -p "$T/g"
cat > "$T/g/c.yaml" <<EOF
output:
  http:
    enabled: true
    attempts: 2
    url: http://127.0.0.1:$(free_port)/
    worker_count: 1
    buffer_size: 2
EOF
timeout 60 "$PAUDITD" --input "$T/in20.log" -config "$T/g/c.yaml" \
    --metrics-out "$T/g/metrics" 2> "$T/g/stderr"
eq "queue full: exit 0" $? 0
qf=$(metric "$T/g/metrics" pauditd_output_dropped_queue_full_total http)
fl=$(metric "$T/g/metrics" pauditd_output_dropped_failed_total http)
eq "queue full: a replay drops nothing for it" "${qf:-0}" 0
eq "queue full: every event failed and counted" "${fl:-0}" 20
check "queue full: the wait logged" grep -q 'queue full (2 events): the replay waits for it' "$T/g/stderr"

# Circuit breaker: every answer is 503. After more than 10 failures in the
# window the breaker opens; events then wait and go out one probe per
# cool-down, so 15 events take several seconds and the opening is logged.
: > "$T/in15.log"
gen_events "$T/in15.log" 5000 15 "k"
sink "$T/f" --status 503
config "$T/f/c.yaml" "$port" 1 1 5s
start=$(date +%s)
timeout 60 "$PAUDITD" --input "$T/in15.log" -config "$T/f/c.yaml" \
    --metrics-out "$T/f/metrics" 2> "$T/f/stderr"
rc=$?
el=$(( $(date +%s) - start ))
eq "breaker: exit 0" $rc 0
check "breaker: opening logged" grep -q 'circuit breaker open' "$T/f/stderr"
eq "breaker: every event tried once" \
    "$(python3 "$SERVERS/http_check.py" count "$T/f/rec")" 15
eq "breaker: failed events counted" \
    "$(metric "$T/f/metrics" pauditd_output_dropped_failed_total http)" 15
check "breaker: probes waited for the cool-down (${el}s >= 2s)" test "$el" -ge 2

finish
