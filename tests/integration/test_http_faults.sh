#!/bin/sh
# HTTP output under faults: a server failing its first requests with 503
# (retried), one answering 400 (dropped, not retried), one that is down and
# then comes up (retried until delivered, pauditd does not exit), a slow one
# (timeout, then retries; worker_count requests in flight), the circuit
# breaker opening against a failing server, SIGTERM with requests hanging,
# and redirects (307/308 followed with the body, 302 dropped). Asserts what
# arrived and what was counted.
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

# The counters of an output add up: every event received was written or
# dropped for one of the reasons counted.
ledger() {	# METRICS: prints "RECEIVED=WRITTEN+DROPPED"
	sum=0
	for c in events dropped_queue_full dropped_failed dropped_rejected \
	    dropped_shutdown dropped_gone dropped_unacked; do
		v=$(metric "$1" "pauditd_output_${c}_total" http)
		sum=$((sum + ${v:-0}))
	done
	echo "$(metric "$1" pauditd_output_received_total http)=$sum"
}

# A retried event keeps its trace id: a receiver can tell a retry from a
# new event.
sink "$T/tr" --fail-first 2
config "$T/tr/c.yaml" "$port" 3 1 5s
echo "    trace_header_name: X-Trace-Id" >> "$T/tr/c.yaml"
run "$T/tr" "$T/tr/c.yaml"
eq "trace id: exit 0" $? 0
eq "trace id: 7 requests for 5 events, one trace id per event" "$(python3 -c '
import json, sys
by = {}
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l); n += 1
    by.setdefault(r["body_b64"], set()).add(r["headers"]["x-trace-id"])
ids = set().union(*by.values())
print(n, len(by), len(ids), max(len(v) for v in by.values()))' "$T/tr/rec")" "7 5 5 1"

# 201 whose body is cut short: the status is the server's answer (Go's
# client never read the body either): delivered once, not sent again.
sink "$T/sb" --short-body
config "$T/sb/c.yaml" "$port" 3 1 5s
run "$T/sb" "$T/sb/c.yaml"
eq "short body: exit 0" $? 0
eq "short body: 5 requests, no repeat" "$(python3 "$SERVERS/http_check.py" count "$T/sb/rec")" 5
eq "short body: 5 written" "$(metric "$T/sb/metrics" pauditd_output_events_total http)" 5
eq "short body: nothing failed" "$(metric "$T/sb/metrics" pauditd_output_dropped_failed_total http)" 0
check "short body: said" grep -q "answered 201, then" "$T/sb/stderr"

# A password in the URL is never written to the log (Go's url.Redacted).
sink "$T/pw" --status 400
config "$T/pw/c.yaml" "$port" 1 1 5s
sed -i "s#url: http://#url: http://alice:s3cret@#" "$T/pw/c.yaml"
echo "    debug: true" >> "$T/pw/c.yaml"
run "$T/pw" "$T/pw/c.yaml"
check "password: the URL is logged masked" grep -q "http://alice:xxxxx@127.0.0.1:$port/ answered 400" "$T/pw/stderr"
eq "password: never in the log" "$(grep -c s3cret "$T/pw/stderr")" 0

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
eq "400: a replay that dropped events exits 3" $? 3
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
eq "slow: a replay that dropped events exits 3" $? 3
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
eq "queue full: a replay that dropped events exits 3" $? 3
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
eq "breaker: a replay that dropped events exits 3" $rc 3
check "breaker: opening logged" grep -q 'circuit breaker open' "$T/f/stderr"
eq "breaker: every event tried once" \
    "$(python3 "$SERVERS/http_check.py" count "$T/f/rec")" 15
eq "breaker: failed events counted" \
    "$(metric "$T/f/metrics" pauditd_output_dropped_failed_total http)" 15
check "breaker: probes waited for the cool-down (${el}s >= 2s)" test "$el" -ge 2

# 307 to another server: the POST and its body go to the Location (as Go's
# client does), the answer there is the event's outcome.
sink "$T/r2"
port2=$port
sink "$T/r1" --redirect-status 307 --location "http://127.0.0.1:$port2/moved"
config "$T/r1/c.yaml" "$port" 3 2 5s
run "$T/r1" "$T/r1/c.yaml"
eq "307: exit 0" $? 0
check "307: every event delivered to the Location once, byte for byte" \
    python3 "$SERVERS/http_check.py" bodies "$T/r2/rec" "$T/expected" 201
eq "307: at the Location's path" \
    "$(python3 "$SERVERS/http_check.py" values "$T/r2/rec" path)" \
    "/moved /moved /moved /moved /moved"
eq "307: one redirect per event" "$(python3 "$SERVERS/http_check.py" count "$T/r1/rec" 307)" 5
eq "307: written" "$(metric "$T/r1/metrics" pauditd_output_events_total http)" 5
eq "307: nothing rejected" \
    "$(metric "$T/r1/metrics" pauditd_output_dropped_rejected_total http)" 0
eq "307: nothing retried" "$(metric "$T/r1/metrics" pauditd_output_retries_total http)" 0
eq "307: http_code.307" "$(metric "$T/r1/metrics" pauditd_http_responses_total 307)" 5
eq "307: http_code.201" "$(metric "$T/r1/metrics" pauditd_http_responses_total 201)" 5
check "307: no warnings" test -z "$(grep '\[output http\]' "$T/r1/stderr")"

# 308 to a relative Location on the same server.
sink "$T/r3" --redirect-status 308 --location /moved
config "$T/r3/c.yaml" "$port" 3 1 5s
run "$T/r3" "$T/r3/c.yaml"
check "308: every event delivered once, byte for byte" \
    python3 "$SERVERS/http_check.py" bodies "$T/r3/rec" "$T/expected" 201
eq "308: written" "$(metric "$T/r3/metrics" pauditd_output_events_total http)" 5
eq "308: http_code.308" "$(metric "$T/r3/metrics" pauditd_http_responses_total 308)" 5

# 302: a client follows it with a GET, which would lose the body: dropped,
# counted as rejected, and the Location logged; nothing is sent to it.
sink "$T/r4" --redirect-status 302 --location /moved
config "$T/r4/c.yaml" "$port" 3 1 5s
run "$T/r4" "$T/r4/c.yaml"
eq "302: a replay that dropped events exits 3" $? 3
eq "302: one request per event, none to the Location" \
    "$(python3 "$SERVERS/http_check.py" values "$T/r4/rec" path)" "/ / / / /"
eq "302: counted as rejected" \
    "$(metric "$T/r4/metrics" pauditd_output_dropped_rejected_total http)" 5
eq "302: no retries" "$(metric "$T/r4/metrics" pauditd_output_retries_total http)" 0
check "302: logged with its Location" \
    grep -q "answered 302 (Location: http://127.0.0.1:$port/moved), not followed" "$T/r4/stderr"
eq "302: received = written + dropped" "$(ledger "$T/r4/metrics")" 5=5

# A 307 loop: followed 5 times, then dropped as rejected and logged.
sink "$T/r5" --redirect-status 307 --location /loop --redirect-from /loop
config "$T/r5/c.yaml" "$port" 3 1 5s
sed -i "s|:$port/|:$port/loop|" "$T/r5/c.yaml"
run "$T/r5" "$T/r5/c.yaml"
eq "307 loop: a replay that dropped events exits 3" $? 3
eq "307 loop: 1 + 5 requests per event" \
    "$(python3 "$SERVERS/http_check.py" count "$T/r5/rec")" 30
eq "307 loop: counted as rejected" \
    "$(metric "$T/r5/metrics" pauditd_output_dropped_rejected_total http)" 5
check "307 loop: logged" grep -q 'answered 307 (Location: .*/loop) after 5 redirects, dropping' \
    "$T/r5/stderr"


# SIGTERM while every worker waits for a server that never answers, with a
# 120 s request timeout: the requests in flight are abandoned at the 30 s
# drain deadline, not run to their timeout (one per worker and attempt),
# and what was not delivered is counted as dropped.
: > "$T/in20h.log"
gen_events "$T/in20h.log" 6000 20 "k"
sink "$T/h" --no-answer
config "$T/h/c.yaml" "$port" 3 10 120s
start=$(date +%s)
timeout -k 60 --preserve-status 5 "$PAUDITD" --input "$T/in20h.log" \
    -config "$T/h/c.yaml" --metrics-out "$T/h/metrics" 2> "$T/h/stderr"
rc=$?
el=$(( $(date +%s) - start ))
eq "hang+SIGTERM: a replay that dropped events exits 3" $rc 3
check "hang+SIGTERM: exits by the drain deadline (${el}s <= 5s + 36s)" test "$el" -le 41
eq "hang+SIGTERM: 10 requests in flight" \
    "$(python3 "$SERVERS/http_check.py" count "$T/h/rec")" 10
eq "hang+SIGTERM: every event received" \
    "$(metric "$T/h/metrics" pauditd_output_received_total http)" 20
eq "hang+SIGTERM: nothing written" \
    "$(metric "$T/h/metrics" pauditd_output_events_total http)" 0
eq "hang+SIGTERM: every event dropped at shutdown" \
    "$(metric "$T/h/metrics" pauditd_output_dropped_shutdown_total http)" 20
eq "hang+SIGTERM: received = written + dropped" "$(ledger "$T/h/metrics")" 20=20
check "hang+SIGTERM: the deadline logged" \
    grep -q 'shutdown deadline passed: .* events dropped' "$T/h/stderr"

finish
