#!/bin/sh
# HTTP output, happy path: every event POSTed once as its JSON line (noop
# transformer), byte for byte, as application/json with a fresh UUID in the
# trace header, over kept-alive connections; what was counted.
. "$(dirname "$0")/../servers/lib.sh"

gen_events "$T/in.log" 1000 25 "file-ops"
expected_lines "$T/in.log" "$T/expected"
eq "expected lines generated" "$(wc -l < "$T/expected")" 25

bg python3 "$SERVERS/http_sink.py" --out "$T/rec" --port-file "$T/port"
wait_for "$T/port" || { nok "sink started"; finish; }
port=$(cat "$T/port")

cat > "$T/http.yaml" <<EOF
output:
  http:
    enabled: true
    attempts: 3
    url: http://127.0.0.1:$port/events
    worker_count: 2
    buffer_size: 100
    trace_header_name: X-Trace-Id
    idle_conn_timeout: 30s
    timeout: 5s
EOF
timeout 60 "$PAUDITD" --input "$T/in.log" -config "$T/http.yaml" \
    --metrics-out "$T/metrics" 2> "$T/stderr"
eq "pauditd exits 0" $? 0

eq "25 requests" "$(python3 "$SERVERS/http_check.py" count "$T/rec")" 25
check "bodies are the event lines, byte for byte" \
    python3 "$SERVERS/http_check.py" bodies "$T/rec" "$T/expected"
check "POST, application/json, distinct UUIDv4 trace ids" \
    python3 "$SERVERS/http_check.py" headers "$T/rec" X-Trace-Id
eq "path" "$(python3 "$SERVERS/http_check.py" distinct "$T/rec" path)" 1
# Two workers, each with one kept-alive connection.
check "connections kept alive (at most 2 peers for 25 requests)" \
    test "$(python3 "$SERVERS/http_check.py" distinct "$T/rec" peer)" -le 2
eq "http_code.201 counted" \
    "$(metric "$T/metrics" pauditd_http_responses_total 201)" 25
eq "events counted as written" \
    "$(metric "$T/metrics" pauditd_output_events_total http)" 25
eq "nothing retried" "$(metric "$T/metrics" pauditd_output_retries_total http)" 0
eq "no request errors" \
    "$(metric "$T/metrics" pauditd_http_request_errors_total http)" 0
eq "latency observed for every request" \
    "$(metric "$T/metrics" pauditd_http_latency_seconds http)" 25
check "no warnings from the output" test -z "$(grep '\[output http\]' "$T/stderr")"

# go-audit format: the same events without rule_key.
: > "$T/rec"
sed 's/^    enabled: true$/    enabled: true\n    format: go-audit/' "$T/http.yaml" > "$T/ga.yaml"
timeout 60 "$PAUDITD" --input "$T/in.log" -config "$T/ga.yaml" 2> "$T/stderr"
sed 's/,"rule_key":"file-ops"}$/}/' "$T/expected" > "$T/expected-ga"
check "format go-audit: lines without rule_key" \
    python3 "$SERVERS/http_check.py" bodies "$T/rec" "$T/expected-ga"

# idle_conn_timeout: a connection idle for longer is not reused. Events
# come through a pipe in two batches 2.5 s apart; debug logs the bodies.
: > "$T/rec"
gen_events "$T/b1.log" 1100 2 "k"
gen_events "$T/b2.log" 1102 2 "k"
cat > "$T/idle.yaml" <<EOF
output:
  http:
    enabled: true
    url: http://127.0.0.1:$port/events
    worker_count: 1
    idle_conn_timeout: 1s
    debug: true
EOF
mkfifo "$T/fifo"
bg sh -c "exec \"$PAUDITD\" --input - -config \"$T/idle.yaml\" < \"$T/fifo\" 2> \"$T/idle.err\""
pid=$LASTPID
exec 3> "$T/fifo"
cat "$T/b1.log" >&3
wait_lines "$T/rec" 2 10
sleep 2.5
cat "$T/b2.log" >&3
exec 3>&-
wait "$pid"
eq "idle: exit 0" $? 0
eq "idle: 4 requests" "$(python3 "$SERVERS/http_check.py" count "$T/rec")" 4
eq "idle: a new connection after the idle timeout" \
    "$(python3 "$SERVERS/http_check.py" distinct "$T/rec" peer)" 2
check "debug: configuration logged" grep -q '\[output http\] url http://127.0.0.1' "$T/idle.err"
check "debug: bodies logged" \
    grep -q 'original body {"sequence":1100.*transformed body {"sequence":1100' "$T/idle.err"

# Configuration errors are reported with the key.
cat > "$T/bad.yaml" <<EOF
output:
  http:
    enabled: true
    url: ftp://127.0.0.1/
    worker_count: 4
    buffer_size: 2
    response_body_transformer: nope
EOF
"$PAUDITD" --check-config -config "$T/bad.yaml" > /dev/null 2> "$T/stderr"
check "bad config rejected" test $? -ne 0
check "url error names the key" grep -q 'output.http.url: must start with http://' "$T/stderr"
check "buffer_size must hold worker_count" \
    grep -q 'output.http.buffer_size: must be at least worker_count (4)' "$T/stderr"
check "unknown transformer" grep -q 'unknown transformer "nope"' "$T/stderr"

finish
