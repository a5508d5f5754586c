#!/bin/sh
# HTTP output with the notification-service transformer: the DTO byte for
# byte (topic from the rule key, hostname from $HOSTNAME cut at the first
# dot, trace_id equal to the trace header, extra attributes from all three
# places pauditd's docs name, output.http's winning); events without a
# usable key are not sent, by design: counted under no_topic and as
# skipped (the server refused nothing, nothing failed), logged once.
. "$(dirname "$0")/../servers/lib.sh"

gen_events "$T/in.log" 2000 6 "binding-file-ops"
gen_events "$T/in.log" 2006 3 "(null)"
gen_events "$T/in.log" 2009 2 "-"
gen_events "$T/in.log" 2011 4 "ssh<keys>"
expected_lines "$T/in.log" "$T/expected"
eq "expected lines generated" "$(wc -l < "$T/expected")" 15

bg python3 "$SERVERS/http_sink.py" --out "$T/rec" --port-file "$T/port"
wait_for "$T/port" || { nok "sink started"; finish; }
port=$(cat "$T/port")

cat > "$T/notif.yaml" <<EOF
notification-service-transformer:
  extra_attributes:
    zone: from-top
    region: us-central1
output:
  notification_service_transformer:
    extra_attributes:
      zone: from-output
      cluster: "c&1"
  http:
    enabled: true
    url: http://127.0.0.1:$port/publish
    worker_count: 3
    trace_header_name: X-Pantheon-Trace
    response_body_transformer: notification-service
    notification_service_transformer:
      extra_attributes:
        app: pauditd
        cluster: c2
EOF
HOSTNAME=test-hostname.example.com timeout 60 "$PAUDITD" --input "$T/in.log" \
    -config "$T/notif.yaml" --metrics-out "$T/metrics" 2> "$T/stderr"
eq "pauditd exits 0" $? 0

eq "10 requests (5 events had no usable key)" \
    "$(python3 "$SERVERS/http_check.py" count "$T/rec")" 10
check "DTO byte for byte, trace_id = trace header, each event once" \
    python3 "$SERVERS/http_check.py" notif "$T/rec" "$T/expected" test-hostname \
    '{"zone":"from-output","region":"us-central1","cluster":"c2","app":"pauditd"}' \
    X-Pantheon-Trace
check "POST, application/json, distinct UUIDv4 trace ids" \
    python3 "$SERVERS/http_check.py" headers "$T/rec" X-Pantheon-Trace
eq "no-topic counted" \
    "$(metric "$T/metrics" pauditd_http_notification_no_topic_total)" 5
eq "topic binding-file-ops counted" \
    "$(metric "$T/metrics" pauditd_http_notification_topic_total binding-file-ops)" 6
eq "topic ssh<keys> counted" \
    "$(metric "$T/metrics" pauditd_http_notification_topic_total "ssh<keys>")" 4
eq "events without topic not counted as rejected" \
    "$(metric "$T/metrics" pauditd_output_dropped_rejected_total http)" 0
eq "nothing dropped" "$(metric "$T/metrics" pauditd_output_dropped_failed_total http)" 0
eq "sent events counted as written" \
    "$(metric "$T/metrics" pauditd_output_events_total http)" 10
eq "events without a key counted as skipped" \
    "$(metric "$T/metrics" pauditd_output_skipped_total http)" 5
eq "received = written + skipped" \
    "$(metric "$T/metrics" pauditd_output_received_total http)" 15
eq "events without a key logged, once" \
    "$(grep -c '\[output http\] event [0-9]* not sent: .*without a rule key' "$T/stderr")" 1
check "no other warning from the output" \
    test "$(grep -c '\[output http\]' "$T/stderr")" = 1

# Without $HOSTNAME the short host name is used.
: > "$T/rec"
sed '/^notification-service-transformer:/,/^output:/{/^output:/!d}' "$T/notif.yaml" |
    sed '/^  notification_service_transformer:/,/^  http:/{/^  http:/!d}' > "$T/notif2.yaml"
env -u HOSTNAME timeout 60 "$PAUDITD" --input "$T/in.log" -config "$T/notif2.yaml" \
    2> "$T/stderr"
short=$(hostname | cut -d. -f1)
check "hostname falls back to the short host name" \
    python3 "$SERVERS/http_check.py" notif "$T/rec" "$T/expected" "$short" \
    '{"cluster":"c2","app":"pauditd"}' X-Pantheon-Trace

finish
