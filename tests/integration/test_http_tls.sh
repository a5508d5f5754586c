#!/bin/sh
# HTTP output over mutual TLS: certificates made with openssl here; the
# server requires a client certificate; events arrive byte for byte; the
# client certificate and key are reloaded when their files change (events
# fed through a pipe, rotated between two batches); a server whose
# certificate the CA does not vouch for gets nothing.
. "$(dirname "$0")/../servers/lib.sh"
command -v openssl >/dev/null 2>&1 || { echo "openssl missing"; exit 77; }

cd "$T" || exit 1
mkcert() {	# NAME CN CA [SAN]
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null &&
	{ [ -z "$4" ] || echo "subjectAltName=$4" > "$1.ext"; } &&
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -CAcreateserial -days 1 -out "$1.pem" \
	    ${4:+-extfile "$1.ext"} 2>/dev/null
}
mkca() {	# NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1.key" -out "$1.pem" -days 1 -subj "/CN=$1" 2>/dev/null
}
mkca ca && mkca other-ca && mkcert server 127.0.0.1 ca IP:127.0.0.1 &&
    mkcert client-a client-a ca && mkcert client-b client-b ca &&
    mkcert rogue 127.0.0.1 other-ca IP:127.0.0.1
check "certificates made" test -s rogue.pem
cp client-a.pem client.pem
cp client-a.key client.key

bg python3 "$SERVERS/http_sink.py" --out "$T/rec" --port-file "$T/port" \
    --tls-cert server.pem --tls-key server.key --client-ca ca.pem
wait_for "$T/port" || { nok "sink started"; finish; }
port=$(cat "$T/port")

cat > "$T/tls.yaml" <<EOF
output:
  http:
    enabled: true
    attempts: 5
    url: https://127.0.0.1:$port/tls
    worker_count: 1
    ssl:
      enabled: true
      client_cert: $T/client.pem
      client_key: $T/client.key
      ca_cert: $T/ca.pem
EOF

gen_events "$T/p1.log" 6000 3 "k"
gen_events "$T/p2.log" 6003 4 "k"
cat "$T/p1.log" "$T/p2.log" > "$T/all.log"
expected_lines "$T/all.log" "$T/expected"

mkfifo "$T/fifo"
bg sh -c "exec \"$PAUDITD\" --input - -config \"$T/tls.yaml\" \
    --metrics-out \"$T/metrics\" < \"$T/fifo\" 2> \"$T/stderr\""
pid=$LASTPID
exec 3> "$T/fifo"
cat "$T/p1.log" >&3
wait_lines "$T/rec" 3 20
eq "first batch with client-a" \
    "$(python3 "$SERVERS/http_check.py" values "$T/rec" client_cn)" \
    "client-a client-a client-a"
# Rotate: new files moved in place, then give the worker's check a second.
cp client-b.key client.key.new && mv client.key.new client.key
cp client-b.pem client.pem.new && mv client.pem.new client.pem
sleep 1.3
cat "$T/p2.log" >&3
exec 3>&-
wait "$pid"
eq "pauditd exits 0" $? 0
check "all events arrived over TLS, byte for byte" \
    python3 "$SERVERS/http_check.py" bodies "$T/rec" "$T/expected"
eq "second batch with the rotated certificate" \
    "$(python3 "$SERVERS/http_check.py" values "$T/rec" client_cn)" \
    "client-a client-a client-a client-b client-b client-b client-b"
check "reload logged" grep -q "client certificate $T/client.pem changed, reloaded" "$T/stderr"
eq "no request errors" "$(metric "$T/metrics" pauditd_http_request_errors_total http)" 0

# The server is always verified: a certificate from another CA is refused.
mkdir -p "$T/r"
bg python3 "$SERVERS/http_sink.py" --out "$T/r/rec" --port-file "$T/r/port" \
    --tls-cert rogue.pem --tls-key rogue.key --client-ca ca.pem
wait_for "$T/r/port" || nok "rogue sink started"
sed -e "s#127.0.0.1:$port#127.0.0.1:$(cat "$T/r/port")#" -e 's/attempts: 5/attempts: 1/' \
    "$T/tls.yaml" > "$T/r/tls.yaml"
timeout 60 "$PAUDITD" --input "$T/p1.log" -config "$T/r/tls.yaml" \
    --metrics-out "$T/r/metrics" 2> "$T/r/stderr"
eq "rogue: exit 3 (a replay that dropped events)" $? 3
eq "rogue: nothing accepted" "$(python3 "$SERVERS/http_check.py" count "$T/r/rec")" 0
eq "rogue: request errors" "$(metric "$T/r/metrics" pauditd_http_request_errors_total http)" 3
eq "rogue: events counted as failed" \
    "$(metric "$T/r/metrics" pauditd_output_dropped_failed_total http)" 3
check "rogue: verification error logged" grep -qi 'certificate' "$T/r/stderr"

# A 307 from https to http is not followed: the event would cross the
# network in clear (a security review). Dropped as rejected, said.
mkdir -p "$T/d"
bg python3 "$SERVERS/http_sink.py" --out "$T/d/plain" --port-file "$T/d/pport"
wait_for "$T/d/pport" || nok "plain sink started"
bg python3 "$SERVERS/http_sink.py" --out "$T/d/rec" --port-file "$T/d/port" \
    --tls-cert server.pem --tls-key server.key --client-ca ca.pem \
    --redirect-status 307 --location "http://127.0.0.1:$(cat "$T/d/pport")/clear"
wait_for "$T/d/port" || nok "redirecting sink started"
sed -e "s#127.0.0.1:$port/tls#127.0.0.1:$(cat "$T/d/port")/#" \
    "$T/tls.yaml" > "$T/d/tls.yaml"
timeout 60 "$PAUDITD" --input "$T/p1.log" -config "$T/d/tls.yaml" \
    --metrics-out "$T/d/metrics" 2> "$T/d/stderr"
eq "https to http: exit 3 (a replay that dropped events)" $? 3
eq "https to http: nothing sent in clear" "$(python3 "$SERVERS/http_check.py" count "$T/d/plain")" 0
eq "https to http: rejected" \
    "$(metric "$T/d/metrics" pauditd_output_dropped_rejected_total http)" 3
check "https to http: said" grep -q 'not followed from https to http' "$T/d/stderr"

# ssl.enabled needs the three files.
cat > "$T/bad.yaml" <<EOF
output:
  http:
    enabled: true
    url: https://127.0.0.1:1/
    ssl:
      enabled: true
      client_cert: $T/missing.pem
EOF
"$PAUDITD" --check-config -config "$T/bad.yaml" > /dev/null 2> "$T/bad.err"
check "missing certificate rejected" grep -q 'output.http.ssl.client_cert: cannot read' "$T/bad.err"
check "missing key rejected" grep -q 'output.http.ssl.client_key: is required' "$T/bad.err"

cd / && finish
