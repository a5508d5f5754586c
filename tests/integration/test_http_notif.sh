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

# Topic counters: a key statsd cannot carry as is, and more distinct keys
# than there are counters (1024): the 7 beyond count under _other (the
# keys come in order; "x:y|z", first, has a counter of its own).
python3 - "$T/many.log" <<'EOF'
import sys
keys = ["x:y|z"] * 3 + ["k%d" % i for i in range(1030)]
with open(sys.argv[1], "w") as f:
    for i, k in enumerate(keys):
        ts = "1700000001.%03d:%d" % (i % 1000, 9000 + i)
        f.write('type=SYSCALL msg=audit(%s): arch=c000003e syscall=59 success=yes '
                'exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=7 auid=0 uid=0 gid=0 '
                'euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="t" '
                'exe="/bin/t" key="%s"\n' % (ts, k))
        f.write('type=EOE msg=audit(%s): \n' % ts)
EOF
cat > "$T/statsd.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[2] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
EOF
bg python3 "$T/statsd.py" "$T/statsd.out" "$T/statsd.port"
wait_for "$T/statsd.port" || { nok "statsd receiver started"; finish; }
: > "$T/rec"
cat > "$T/many.yaml" <<EOF
output:
  http:
    enabled: true
    url: http://127.0.0.1:$port/publish
    worker_count: 4
    response_body_transformer: notification-service
metrics: { enabled: true, address: "127.0.0.1:$(cat "$T/statsd.port")", sample_rate: 1 }
EOF
HOSTNAME=h1 timeout 120 "$PAUDITD" --input "$T/many.log" -config "$T/many.yaml" \
    --metrics-out "$T/many.prom" 2> "$T/many.err"
eq "many topics: pauditd exits 0" $? 0
eq "many topics: every event sent" \
    "$(python3 "$SERVERS/http_check.py" count "$T/rec")" 1033
eq "many topics: 1024 topic counters and _other" \
    "$(grep -c '^pauditd_http_notification_topic_total{' "$T/many.prom")" 1025
eq "many topics: the Prometheus label is the key" \
    "$(metric "$T/many.prom" pauditd_http_notification_topic_total "x:y|z")" 3
eq "many topics: the topics beyond 1024 counted under _other" \
    "$(metric "$T/many.prom" pauditd_http_notification_topic_total _other)" 7
eq "many topics: logged once" \
    "$(grep -c 'more than 1024 distinct topics: events of topic "k10[0-9][0-9]"' "$T/many.err")" 1
i=0
while ! grep -q 'topic\._other:' "$T/statsd.out" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
eq "statsd: the topic's name cleaned" \
    "$(grep -c '^pauditd\.h1\.notif-service-transformer\.topic\.x_y_z:3|c$' "$T/statsd.out")" 1
eq "statsd: the topics beyond 1024 under _other" \
    "$(grep -c '^pauditd\.h1\.notif-service-transformer\.topic\._other:7|c$' "$T/statsd.out")" 1
eq "statsd: every line well formed" \
    "$(grep -cvE '^pauditd\.h1\.[A-Za-z0-9_.-]+:-?[0-9.]+\|(c|g|ms)(\|@[0-9.]+)?$' "$T/statsd.out")" 0

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
