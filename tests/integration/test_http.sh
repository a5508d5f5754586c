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
    "$(metric "$T/metrics" pauditd_http_latency_seconds_count http)" 25
check "no warnings from the output" test -z "$(grep '\[output http\]' "$T/stderr")"

# go-audit format: the same events without rule_key.
: > "$T/rec"
sed 's/^    enabled: true$/    enabled: true\n    format: go-audit/' "$T/http.yaml" > "$T/ga.yaml"
timeout 60 "$PAUDITD" --input "$T/in.log" -config "$T/ga.yaml" 2> "$T/stderr"
sed 's/,"rule_key":"file-ops"}$/}/' "$T/expected" > "$T/expected-ga"
check "format go-audit: lines without rule_key" \
    python3 "$SERVERS/http_check.py" bodies "$T/rec" "$T/expected-ga"

# idle_conn_timeout: a connection idle for longer is not reused, to the
# millisecond (libcurl's own limit counts whole seconds and would reuse one
# idle 1.5 s under 1s); 0 is no limit. Events come through a pipe in two
# batches GAP seconds apart; debug logs the bodies. idle_run prints the
# number of connections; the exit status goes to $T/idle.rc.
gen_events "$T/b1.log" 1100 2 "k"
gen_events "$T/b2.log" 1102 2 "k"
mkfifo "$T/fifo"
idle_run() {	# IDLE_CONN_TIMEOUT GAP
	: > "$T/rec"
	cat > "$T/idle.yaml" <<EOF
output:
  http:
    enabled: true
    url: http://127.0.0.1:$port/events
    worker_count: 1
    idle_conn_timeout: $1
    debug: true
EOF
	bg sh -c "exec \"$PAUDITD\" --input - -config \"$T/idle.yaml\" < \"$T/fifo\" 2> \"$T/idle.err\""
	pid=$LASTPID
	exec 3> "$T/fifo"
	cat "$T/b1.log" >&3
	wait_lines "$T/rec" 2 10
	sleep "$2"
	cat "$T/b2.log" >&3
	exec 3>&-
	wait "$pid"
	echo $? > "$T/idle.rc"
	[ "$(python3 "$SERVERS/http_check.py" count "$T/rec")" = 4 ] || echo "not 4 requests"
	python3 "$SERVERS/http_check.py" distinct "$T/rec" peer
}
eq "idle 1s, 1.5 s apart: a new connection" "$(idle_run 1s 1.5)" 2
eq "idle: exit 0" "$(cat "$T/idle.rc")" 0
check "debug: configuration logged" grep -q '\[output http\] url http://127.0.0.1' "$T/idle.err"
check "debug: bodies logged" \
    grep -q 'original body {"sequence":1100.*transformed body {"sequence":1100' "$T/idle.err"
eq "idle 500ms, 1 s apart: a new connection" "$(idle_run 500ms 1)" 2
eq "idle 500ms: exit 0" "$(cat "$T/idle.rc")" 0
eq "idle 0 (no limit), 1.5 s apart: the same connection" "$(idle_run 0 1.5)" 1
eq "idle 0: exit 0" "$(cat "$T/idle.rc")" 0
eq "idle 3s, 1.5 s apart: the same connection" "$(idle_run 3s 1.5)" 1
for v in 48h 8760h; do
	printf 'output:\n  http:\n    enabled: true\n    url: http://127.0.0.1/\n    idle_conn_timeout: %s\n' \
	    "$v" > "$T/idle.yaml"
	eq "idle_conn_timeout $v accepted" \
	    "$("$PAUDITD" --check-config -config "$T/idle.yaml" 2>&1)" "configuration OK"
done
printf 'output:\n  http:\n    enabled: true\n    url: http://127.0.0.1/\n    idle_conn_timeout: 8761h\n' \
    > "$T/idle.yaml"
"$PAUDITD" --check-config -config "$T/idle.yaml" > /dev/null 2> "$T/stderr"
check "idle_conn_timeout over a year rejected" \
    grep -q 'idle.yaml:5: output.http.idle_conn_timeout: must be between 0ms and' "$T/stderr"

# notification-service: YAML nulls in extra_attributes are sent as "", as
# pauditd (viper) sends them.
: > "$T/rec"
cat > "$T/null.yaml" <<EOF
output:
  http:
    enabled: true
    url: http://127.0.0.1:$port/events
    trace_header_name: X-Trace-Id
    response_body_transformer: notification-service
    notification_service_transformer:
      extra_attributes:
        a: ~
        b: null
        c: "~"
EOF
HOSTNAME=h timeout 60 "$PAUDITD" --input "$T/in.log" -config "$T/null.yaml" 2> "$T/stderr"
eq "nulls: exit 0" $? 0
check "nulls: sent as empty strings" \
    python3 "$SERVERS/http_check.py" notif "$T/rec" "$T/expected" h \
    '{"a":"","b":"","c":"~"}' X-Trace-Id

# The transformer's sections: --check-config reports what would stop the
# output's start, with its line, and warns about unknown keys.
cat > "$T/sect.yaml" <<EOF
notification-service-transformer:
  extra_attributes: [a, b]
  extra_atributes: {x: y}
output:
  notification_service_transformer:
    extras: {x: y}
    extra_attributes: {k: 5}
  http:
    enabled: true
    url: http://127.0.0.1:$port/events
    notification_service_transformer:
      extra_attributs: {a: b}
      extra_attributes: 5
EOF
"$PAUDITD" --check-config -config "$T/sect.yaml" > "$T/stdout" 2> "$T/stderr"
eq "sections: --check-config exits 1" $? 1
check "sections: not OK" test ! -s "$T/stdout"
check "sections: top-level extra_attributes not a mapping" grep -q \
    'sect.yaml:2: notification-service-transformer.extra_attributes: must be a mapping of strings' \
    "$T/stderr"
check "sections: output.http's extra_attributes not a mapping" grep -q \
    'sect.yaml:13: output.http.notification_service_transformer.extra_attributes: must be a mapping of strings' \
    "$T/stderr"
check "sections: unknown key of the top-level section" grep -q \
    'warning: .*sect.yaml:3: notification-service-transformer.extra_atributes: unknown key, ignoring' \
    "$T/stderr"
check "sections: unknown key of output's section" grep -q \
    'warning: .*sect.yaml:6: output.notification_service_transformer.extras: unknown key, ignoring' \
    "$T/stderr"
check "sections: unknown key of output.http's section" grep -q \
    'warning: .*sect.yaml:12: output.http.notification_service_transformer.extra_attributs: unknown key, ignoring' \
    "$T/stderr"
check "sections: 2 errors" grep -q 'sect.yaml: 2 errors in the configuration' "$T/stderr"
"$PAUDITD" --input "$T/b1.log" -config "$T/sect.yaml" > /dev/null 2> "$T/stderr"
eq "sections: the daemon does not start either" $? 1
check "sections: stopped before the output's start" \
    test -z "$(grep 'cannot start' "$T/stderr")"
# Unknown keys alone are warnings: the configuration is OK, once each.
sed -e '/extra_attributes: \[a, b\]/d' -e '/extra_attributes: 5/d' "$T/sect.yaml" > "$T/warn.yaml"
"$PAUDITD" --check-config -config "$T/warn.yaml" > "$T/stdout" 2> "$T/stderr"
eq "sections, unknown keys only: OK" "$(cat "$T/stdout")" "configuration OK"
eq "sections, unknown keys only: 3 warnings" "$(grep -c 'unknown key' "$T/stderr")" 3
: > "$T/rec"
timeout 60 "$PAUDITD" --input "$T/b1.log" -config "$T/warn.yaml" 2> "$T/stderr"
eq "sections, unknown keys only: starts, exit 0" $? 0
eq "sections, unknown keys only: warned once each at start" \
    "$(grep -c 'unknown key' "$T/stderr")" 3
eq "sections, unknown keys only: events sent" \
    "$(python3 "$SERVERS/http_check.py" count "$T/rec")" 2

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

# A header name that would inject headers, and a URL without a host.
cat > "$T/bad2.yaml" <<EOF
output:
  http:
    enabled: true
    url: http:///x
    trace_header_name: "X-Trace: x\\r\\nX-Injected: yes"
EOF
"$PAUDITD" --check-config -config "$T/bad2.yaml" > /dev/null 2> "$T/stderr"
check "bad header name and url: rejected" test $? -ne 0
check "a trace header name must be a token" \
    grep -q 'bad2.yaml:5: output.http.trace_header_name: must be a header name' "$T/stderr"
check "a URL must name a host" grep -q 'bad2.yaml:4: output.http.url: names no host' "$T/stderr"
sed -i 's#url: http:///x#url: HTTP://127.0.0.1/#; /trace_header_name/d' "$T/bad2.yaml"
check "an upper-case scheme is a URL (as for Go and libcurl)" \
    "$PAUDITD" --check-config -config "$T/bad2.yaml"

finish
