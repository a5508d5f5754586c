#!/bin/sh
# Metrics end to end: a replay with pauditd's filters, a statsd receiver
# on UDP (names, types, values, |@rate, one MTU per datagram, the final
# counts sent at exit) and the Prometheus endpoint scraped with curl
# while the daemon runs (it reads a FIFO that the test holds open).
. "$(dirname "$0")/../servers/lib.sh"
command -v curl >/dev/null 2>&1 || { echo "curl missing"; exit 77; }

# The receiver: every datagram as one record of the output file.
cat > "$T/statsd.py" <<'EOF'
import socket, sys
out, portfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(portfile + ".tmp", portfile)
with open(out, "ab", buffering=0) as f:
    while True:
        d, _ = s.recvfrom(65536)
        f.write(b"%d\n" % len(d) + d + b"\n\x00\n")
EOF

# check.py FILE PREFIX: every line well formed and under PREFIX; prints
# "name total" lines (values scaled by 1/rate) and the largest datagram.
cat > "$T/check.py" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read().decode()
prefix = sys.argv[2]
line_re = re.compile(r"^" + re.escape(prefix) +
                     r"([A-Za-z0-9_.-]+):(-?[0-9]+(?:\.[0-9]+)?)\|(c|ms|g)(?:\|@([0-9.]+))?$")
totals, kinds, biggest, bad, rated = {}, {}, 0, 0, set()
for rec in data.split("\n\x00\n"):
    if not rec:
        continue
    size, body = rec.split("\n", 1)
    biggest = max(biggest, int(size))
    for line in body.split("\n"):
        m = line_re.match(line)
        if not m:
            print("bad line: %r" % line, file=sys.stderr)
            bad += 1
            continue
        name, v, kind, rate = m.group(1), float(m.group(2)), m.group(3), m.group(4)
        r = float(rate) if rate else 1.0
        if not 0 < r <= 1:
            bad += 1
        if rate:
            rated.add(name)
        kinds[name] = kind
        if kind == "c":
            totals[name] = totals.get(name, 0) + v / r
        elif kind == "ms":
            totals[name] = totals.get(name, 0) + 1 / r
        else:
            totals[name] = v
for n in sorted(totals):
    print("%s %s %g %s" % (n, kinds[n], round(totals[n], 6), "rated" if n in rated else "-"))
print("biggest datagram %d" % biggest)
print("bad lines %d" % bad)
EOF

# settle FILE: until FILE stops growing (the receiver caught up), 5 s at most.
settle() {
	i=0; last=-1
	while [ $i -lt 50 ]; do
		now=$(wc -c < "$1")
		[ "$now" = "$last" ] && [ "$now" -gt 0 ] && return
		last=$now; sleep 0.1; i=$((i + 1))
	done
}

# 50 events: 20 with key "noise", 30 with key "file-ops" whose EXECVE a1
# holds i x's (i = 0..29).
gen_events "$T/in.log" 5000 20 "noise"
gen_events "$T/in.log" 6000 30 "file-ops"
records=$(wc -l < "$T/in.log")

bg python3 "$T/statsd.py" "$T/statsd.out" "$T/statsd.port"
wait_for "$T/statsd.port" || { nok "statsd receiver started"; finish; }
sport=$(cat "$T/statsd.port")
pport=$(free_port)

# Pantheon-style ordered list for file-ops, a catch-all drop for noise.
cat > "$T/m.yaml" <<EOF
output:
  file:
    enabled: true
    attempts: 2
    path: $T/out.json
    mode: 0600
metrics:
  enabled: true
  address: 127.0.0.1:$sport
  sample_rate: "0.5"
  prometheus:
    listen: 127.0.0.1:$pport
filters:
  - key: noise
    regex: .*
  - key: file-ops
    action: keep
    regex: 'a1="x{0,9}"'
  - key: file-ops
    action: drop
    regex: 'a1="x{10,19}"'
  - key: file-ops
    action: keep
    regex: .*
EOF
mkfifo "$T/fifo"
HOSTNAME=itest-node.example.com bg timeout 60 "$PAUDITD" --input "$T/fifo" \
    -config "$T/m.yaml" --metrics-out "$T/final.prom" 2> "$T/stderr"
dpid=$LASTPID
exec 3> "$T/fifo"
cat "$T/in.log" >&3

# Scrape until every event went through the filters (10 s at most).
i=0
while [ $i -lt 100 ]; do
	curl -s -m 2 "http://127.0.0.1:$pport/metrics" > "$T/scrape" 2>/dev/null
	grep -qx 'pauditd_events_filtered_total 30' "$T/scrape" && break
	sleep 0.1; i=$((i + 1))
done
check "scrape: 30 events filtered while running" \
    grep -qx 'pauditd_events_filtered_total 30' "$T/scrape"
check "scrape: 20 events passed" grep -qx 'pauditd_events_total 20' "$T/scrape"
check "scrape: HELP and TYPE lines" \
    grep -qx '# TYPE pauditd_events_filtered_total counter' "$T/scrape"
eq "scrape: one TYPE line per family" \
    "$(grep '^# TYPE' "$T/scrape" | sort | uniq -d | wc -l)" 0
check "scrape: filter latency is a histogram" \
    grep -qx '# TYPE pauditd_filter_latency_seconds histogram' "$T/scrape"
eq "scrape: +Inf bucket equals _count" \
    "$(awk '$1 == "pauditd_filter_latency_seconds_bucket{le=\"+Inf\"}" { print $2 }' "$T/scrape")" \
    "$(awk '$1 == "pauditd_filter_latency_seconds_count" { print $2 }' "$T/scrape")"
check "scrape: labelled output metrics" grep -q '{output="file' "$T/scrape"
ctype=$(curl -s -m 2 -o /dev/null -w '%{content_type}' "http://127.0.0.1:$pport/metrics")
eq "scrape: content type" "$ctype" "text/plain; version=0.0.4; charset=utf-8"
eq "other paths are 404" \
    "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$pport/")" 404
curl -s -m 2 -X POST -o /dev/null -D "$T/405" "http://127.0.0.1:$pport/metrics"
check "other methods are 405" grep -q '^HTTP/1.[01] 405 ' "$T/405"
check "a 405 says which methods are allowed (RFC 9110)" \
    grep -qx 'Allow: GET, HEAD.' "$T/405"
curl -s -m 2 --data abc -o /dev/null -D "$T/405b" "http://127.0.0.1:$pport/metrics"
check "a POST with a body is answered 405 too" grep -q '^HTTP/1.[01] 405 ' "$T/405b"

# End of input: the daemon exits and sends its last counts.
exec 3>&-
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$dpid"
eq "pauditd exits 0 at end of input" $? 0
eq "20 events written" "$(wc -l < "$T/out.json")" 20
settle "$T/statsd.out"; sleep 0.1
python3 "$T/check.py" "$T/statsd.out" "pauditd.itest-node." > "$T/totals"
total() { awk -v n="$1" '$1 == n { print $3 }' "$T/totals"; }
eq "statsd: every line well formed, prefix pauditd.<short host>." \
    "$(awk '/^bad lines/ { print $3 }' "$T/totals")" 0
check "statsd: datagrams within one MTU" \
    test "$(awk '/^biggest datagram/ { print $3 }' "$T/totals")" -le 1432
eq "statsd: messages.filtered total" "$(total messages.filtered)" 30
eq "statsd: messages.total equals the records counted" \
    "$(total messages.total)" "$(metric "$T/final.prom" pauditd_records_total)"
check "statsd: messages.total covers the input ($records lines)" \
    test "$(total messages.total)" -le "$records"
eq "statsd: counters carry |@0.5" \
    "$(awk '$1 == "messages.filtered" { print $4 }' "$T/totals")" rated
eq "statsd: the output's queue depth is a gauge" \
    "$(awk '$1 == "file_writer.queue_depth" { print $2 }' "$T/totals")" g
eq "statsd: events written by the output" "$(total file_writer.written)" 20
eq "statsd: marshaller.filter_latency is a timing" \
    "$(awk '$1 == "marshaller.filter_latency" { print $2 }' "$T/totals")" ms
eq "statsd: filter timings stand for every one observed" \
    "$(total marshaller.filter_latency)" \
    "$(metric "$T/final.prom" pauditd_filter_latency_seconds_count)"
check "start-up log says what each filter does" \
    grep -q 'filter 1: keeping messages with key `file-ops` matching string `a1="x{0,9}"`' "$T/stderr"
check "dropping is spelled right" grep -q 'filter 0: dropping messages with key `noise`' "$T/stderr"
check "no droping" test "$(grep -c droping "$T/stderr")" = 0

# go-audit config, rate 1: exact deltas without a sample suffix.
: > "$T/statsd.out"
cat > "$T/ga.yaml" <<EOF
output:
  stdout: { enabled: true, attempts: 1 }
metrics: { enabled: true, address: "127.0.0.1:$sport", sample_rate: 1 }
filters:
  - { syscall: 59, message_type: 1309, regex: 'a1="x{5,}"' }
EOF
HOSTNAME= timeout 30 "$PAUDITD" --input "$T/in.log" -config "$T/ga.yaml" \
    > "$T/ga.out" 2> "$T/ga.err"
eq "go-audit config: pauditd exits 0" $? 0
settle "$T/statsd.out"; sleep 0.1
short=$(python3 -c 'import socket; print(socket.gethostname().split(".")[0])')
python3 "$T/check.py" "$T/statsd.out" "pauditd.$short." > "$T/totals"
eq "go-audit config: lines under the short host name" \
    "$(awk '/^bad lines/ { print $3 }' "$T/totals")" 0
# 15 + 25 events have a1 with 5 or more x's.
eq "go-audit config: messages.filtered" "$(total messages.filtered)" 40
eq "go-audit config: events written" "$(wc -l < "$T/ga.out")" 10
eq "go-audit config: no |@ at rate 1" "$(grep -c '|@' "$T/statsd.out")" 0

# Records over events.max_records: statsd has no labels, so both reasons
# of pauditd_records_dropped_total add to messages.reassembly_dropped.
: > "$T/statsd.out"
cat > "$T/mr.yaml" <<EOF
events: { max_records: 1 }
output:
  stdout: { enabled: true, attempts: 1 }
metrics: { enabled: true, address: "127.0.0.1:$sport", sample_rate: 1 }
EOF
HOSTNAME= timeout 30 "$PAUDITD" --input "$T/in.log" -config "$T/mr.yaml" \
    --metrics-out "$T/mr.prom" > /dev/null 2> "$T/mr.err"
settle "$T/statsd.out"; sleep 0.1
python3 "$T/check.py" "$T/statsd.out" "pauditd.$short." > "$T/totals"
eq "max_records: one record of each of the 50 events dropped" \
    "$(metric "$T/mr.prom" pauditd_records_dropped_total max_records)" 50
eq "max_records: statsd messages.reassembly_dropped says so" \
    "$(total messages.reassembly_dropped)" 50

# A replay waiting on a full output queue (stdout's reader asleep) still
# sends to statsd once a second: each flush has the queue depth once.
: > "$T/statsd.out"
gen_events "$T/many.log" 10000 3000 "many"
cat > "$T/wait.yaml" <<EOF
output:
  stdout: { enabled: true, attempts: 1, buffer_size: 1 }
metrics: { enabled: true, address: "127.0.0.1:$sport", sample_rate: 1 }
EOF
bg sh -c '"$0" --input "$1" -config "$2" 2> "$3" | { sleep 6; cat > /dev/null; }' \
    "$PAUDITD" "$T/many.log" "$T/wait.yaml" "$T/wait.err"
wpid=$LASTPID
sleep 5
n=$(grep -c 'stdout_writer.queue_depth:' "$T/statsd.out")
check "statsd keeps sending while a replay waits ($n flushes in 5 s)" test "$n" -ge 2
wait "$wpid"
eq "the waiting replay exits 0 once read" $? 0

# A taken Prometheus port stops the start-up with the reason.
bg python3 -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(30)' "$pport"
sleep 0.3
echo precious > "$T/busy.prom"
timeout 30 "$PAUDITD" --input "$T/in.log" -config "$T/m.yaml" --metrics-out "$T/busy.prom" \
    > /dev/null 2> "$T/busy.err"
check "taken port: pauditd exits non-zero" test $? -ne 0
eq "taken port: --metrics-out left as it was" "$(cat "$T/busy.prom")" precious
check "taken port: the key, address and reason are logged" \
    grep -q "metrics.prometheus.listen: cannot listen on 127.0.0.1:$pport: Address already in use" "$T/busy.err"

# A name that does not resolve stops the start-up with getaddrinfo's reason.
sed "s/listen: 127.0.0.1:$pport/listen: nonexistent.invalid:9926/" "$T/m.yaml" > "$T/nx.yaml"
timeout 30 "$PAUDITD" --input "$T/in.log" -config "$T/nx.yaml" > /dev/null 2> "$T/nx.err"
check "unresolved name: pauditd exits non-zero" test $? -ne 0
check "unresolved name: the resolver's reason, with the address" \
    grep -q "metrics.prometheus.listen: cannot listen on nonexistent.invalid:9926: [A-Z]" "$T/nx.err"
check "unresolved name: not an errno that blames the address" \
    test "$(grep -c 'Cannot assign requested address' "$T/nx.err")" = 0

# Nothing listens on the statsd port: the datagrams refused are counted
# (each send learns of an earlier one's refusal; the daemon runs 3 s).
cat > "$T/closed.yaml" <<EOF
output:
  stdout: { enabled: true, attempts: 1 }
metrics: { enabled: true, address: "127.0.0.1:$(free_port udp)", sample_rate: 1 }
EOF
mkfifo "$T/fifo2"
bg timeout 30 "$PAUDITD" --input "$T/fifo2" -config "$T/closed.yaml" \
    --metrics-out "$T/closed.prom" > /dev/null 2> "$T/closed.err"
dpid=$LASTPID
exec 3> "$T/fifo2"
cat "$T/in.log" >&3
sleep 3.5
exec 3>&-
wait "$dpid"
eq "closed statsd port: pauditd exits 0" $? 0
check "closed statsd port: datagrams sent" \
    test "$(metric "$T/closed.prom" pauditd_statsd_datagrams_total)" -ge 3
check "closed statsd port: refused datagrams counted as errors" \
    test "$(metric "$T/closed.prom" pauditd_statsd_send_errors_total)" -ge 2
eq "closed statsd port: the loss logged once (at most once a minute)" \
    "$(grep -c "statsd 127.0.0.1:[0-9]*: datagram lost: Connection refused" "$T/closed.err")" 1

# Invalid metrics and filters are configuration errors naming the key.
cat > "$T/bad.yaml" <<EOF
output:
  stdout: { enabled: true, attempts: 1 }
metrics: { enabled: true, address: "nowhere", sample_rate: 0 }
filters:
  - { key: a, regex: "(" }
  - { syscall: 59, regex: x }
EOF
timeout 30 "$PAUDITD" --input "$T/in.log" -config "$T/bad.yaml" > /dev/null 2> "$T/bad.err"
check "bad config: exits non-zero" test $? -ne 0
check "bad config: sample_rate reported" grep -qF 'metrics.sample_rate' "$T/bad.err"
check "bad config: address reported" grep -qF 'metrics.address' "$T/bad.err"
check "bad config: regex reported" grep -qF 'filters[0].regex' "$T/bad.err"
check "bad config: message_type reported" grep -qF 'filters[1].message_type' "$T/bad.err"
finish
