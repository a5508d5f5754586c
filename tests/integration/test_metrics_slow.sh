#!/bin/sh
# The Prometheus endpoint under slow clients: 40 connections that say
# nothing and 16 that send a byte a second, from addresses other than the
# scraper's (127.0.0.2 and up: every 127/8 address is the loopback), must
# not keep a scrape from 127.0.0.1 from being answered well within
# Prometheus's 10 s scrape timeout; and the server closes them once their
# request is late. A ninth connection from one address is refused.
. "$(dirname "$0")/../servers/lib.sh"
command -v curl >/dev/null 2>&1 || { echo "curl missing"; exit 77; }

# slow.py PORT OUT: connect, write OUT.ready, then note in OUT when the
# server closed each connection (seconds after the connect), 14 s at most.
cat > "$T/slow.py" <<'EOF'
import select, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]

def conn(src):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s

idle = [conn("127.0.0.%d" % (2 + i // 8)) for i in range(40)]
drip = [conn("127.0.0.%d" % (7 + i // 8)) for i in range(16)]
extra = conn("127.0.0.2")		# the ninth from 127.0.0.2
start = time.monotonic()
open(out + ".ready", "w").write("ready\n")
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
closed, sent = {}, 0
socks = idle + drip + [extra]
while len(closed) < len(socks) and time.monotonic() - start < 14:
    # A byte a second on each drip connection.
    if time.monotonic() - start >= sent:
        for s in drip:
            if s not in closed:
                try:
                    s.send(req[sent:sent + 1])
                except OSError:
                    pass
        sent += 1
    r, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.2)
    for s in r:
        try:
            d = s.recv(4096)
        except OSError:
            d = b""
        if not d:
            closed[s] = time.monotonic() - start
with open(out, "w") as f:
    f.write("idle_closed %d\n" % sum(1 for s in idle if s in closed))
    f.write("drip_closed %d\n" % sum(1 for s in drip if s in closed))
    f.write("extra_closed %d\n" % (extra in closed))
    f.write("extra_at %.1f\n" % closed.get(extra, 99))
EOF

gen_events "$T/in.log" 1000 5 "k"
pport=$(free_port)
cat > "$T/p.yaml" <<EOF
output:
  file: { enabled: true, attempts: 1, path: $T/out.json }
metrics:
  prometheus:
    listen: 127.0.0.1:$pport
EOF
mkfifo "$T/fifo"
bg timeout 60 "$PAUDITD" --input "$T/fifo" -config "$T/p.yaml" 2> "$T/stderr"
dpid=$LASTPID
exec 3> "$T/fifo"
cat "$T/in.log" >&3
i=0
until curl -s -m 2 -o /dev/null "http://127.0.0.1:$pport/metrics" || [ $i -ge 50 ]; do
	sleep 0.1; i=$((i + 1))
done

bg python3 "$T/slow.py" "$pport" "$T/slow"
wait_for "$T/slow.ready" || { nok "slow clients connected"; finish; }
sleep 0.5
curl -s -m 8 -o "$T/scrape" -w '%{http_code}' \
    "http://127.0.0.1:$pport/metrics" > "$T/code" 2> "$T/curl.err"
eq "a scrape is answered despite 56 slow connections" "$(cat "$T/code")" 200
check "the scrape has the metrics" grep -q '^pauditd_events_total ' "$T/scrape"
# Two requests on one kept-alive connection: both answered.
curl -s -m 8 -o /dev/null -o /dev/null -w '%{http_code}\n' \
    "http://127.0.0.1:$pport/metrics" "http://127.0.0.1:$pport/metrics" > "$T/ka"
eq "a kept-alive connection serves a second request" "$(tr '\n' ' ' < "$T/ka")" "200 200 "

wait_for "$T/slow" 20 || { nok "slow clients finished"; finish; }
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/slow"; }
eq "idle connections closed once their request is late" "$(val idle_closed)" 40
eq "dripping connections closed too, though never idle" "$(val drip_closed)" 16
eq "a ninth connection from one address is closed" "$(val extra_closed)" 1
check "... at once ($(val extra_at) s)" \
    python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 2)' "$(val extra_at)"

exec 3>&-
wait "$dpid"
eq "pauditd exits 0 at end of input" $? 0
check "no sanitizer report" test "$(grep -c 'Sanitizer' "$T/stderr")" = 0
finish
