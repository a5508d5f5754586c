#!/bin/sh
# syslog output against Debian's rsyslog on loopback UDP and TCP, a unix
# datagram socket and a unix stream socket: Go log/syslog's exact formats
# (local and network), newline framing on streams, byte-for-byte events,
# oversize datagrams dropped and counted, reconnection after rsyslog
# restarts.
. "$(dirname "$0")/../servers/lib.sh"
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "rsyslogd missing (make deps)"; exit 77; }

R="$T/rs"
mkdir -p "$R"
UDP=$(free_port udp)
TCP=$(free_port)
sed -e "s#@DIR@#$R#g" -e "s#@UDP@#$UDP#" -e "s#@TCP@#$TCP#" \
    "$SERVERS/rsyslog.conf.in" > "$R/rsyslog.conf"

start_rsyslog() {
	rm -f "$R/dgram.sock" "$R/stream.sock"
	bg "$RSYSLOGD" -n -f "$R/rsyslog.conf" -i "$R/rsyslog.pid" 3>&-
	RSPID=$LASTPID
	i=0
	while [ ! -S "$R/stream.sock" ] || [ ! -S "$R/dgram.sock" ]; do
		sleep 0.1; i=$((i + 1)); [ $i -lt 100 ] || return 1
	done
	sleep 0.3
}
start_rsyslog || { nok "rsyslog started"; finish; }

gen_events "$T/in.log" 7000 6 "k"
expected_lines "$T/in.log" "$T/expected"

# rsyslog keeps its files open: each case looks at the lines it added.
nlines() { cat "$1" 2>/dev/null | wc -l; }
mark() {	# remember how many lines each log has
	M_net=$(nlines "$R/net.log"); M_local=$(nlines "$R/local.log")
	M_stream=$(nlines "$R/stream.log")
}
since() {	# FILE N: wait for N new lines in FILE, write them to $T/got
	eval "m=\$M_$(basename "$1" .log)"
	wait_lines "$1" $((m + $2)) 5
	tail -n +$((m + 1)) "$1" > "$T/got"
}

# run NAME NETWORK ADDRESS [PRIORITY TAG]: replay into the syslog output.
run() {
	{
		printf 'output:\n  syslog:\n    enabled: true\n'
		printf '    network: "%s"\n    address: "%s"\n' "$2" "$3"
		[ -n "$4" ] && printf '    priority: %s\n    tag: %s\n' "$4" "$5"
	} > "$T/$1.yaml"
	mark
	"$PAUDITD" --input "${IN:-$T/in.log}" -config "$T/$1.yaml" \
	    --metrics-out "$T/$1.metrics" 2> "$T/$1.stderr" &
	PID=$!
	wait $PID
	RC=$?
	sleep 0.5	# rsyslog's queue to its file
}

run udp udp "127.0.0.1:$UDP" 134 audit-thing
eq "udp: exit 0" $RC 0
since "$R/net.log" 6
check "udp: <134>RFC3339 host audit-thing[pid]: event, byte for byte" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" net 134 audit-thing $PID

run tcp tcp "127.0.0.1:$TCP" 129 t2
eq "tcp: exit 0" $RC 0
since "$R/net.log" 6
check "tcp: newline-framed, byte for byte" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" net 129 t2 $PID

run local "" "$R/dgram.sock"
eq "local: exit 0" $RC 0
since "$R/local.log" 6
check "local socket: <132>Mmm dd hh:mm:ss pauditd[pid]: event (defaults)" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" local 132 pauditd $PID

# A local stream socket: unixgram is refused, Go then falls back to unix.
run localstream "" "$R/stream.sock"
eq "local stream: exit 0" $RC 0
since "$R/stream.log" 6
check "local stream socket: local format, newline-framed" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" local 132 pauditd $PID

run unixgram unixgram "$R/dgram.sock" 134 ug
eq "unixgram: exit 0" $RC 0
since "$R/local.log" 6
check "unixgram named: network format" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" net 134 ug $PID

run unix unix "$R/stream.sock" 134 us
eq "unix stream: exit 0" $RC 0
since "$R/stream.log" 6
check "unix stream: newline-framed, byte for byte" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" net 134 us $PID
eq "written counted" "$(metric "$T/unix.metrics" pauditd_output_events_total syslog)" 6

# An empty tag is the program's argv[0], as Go's log/syslog writes it.
run notag unix "$R/stream.sock" 134 '""'
eq "empty tag: exit 0" $RC 0
since "$R/stream.log" 6
check "empty tag: argv[0] ($PAUDITD) in its place" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/expected" net 134 "$PAUDITD" $PID

# An event larger than a UDP datagram: dropped, logged and counted; the
# others still go out. Over TCP the same event arrives whole.
gen_events "$T/big.log" 7100 1 "k"
gen_events "$T/big.log" 7101 1 "k" 70000
gen_events "$T/big.log" 7102 1 "k"
expected_lines "$T/big.log" "$T/big.expected"
grep -v 'xxxxxxxxxxxxxxxxxxxx' "$T/big.expected" > "$T/big.small"
IN="$T/big.log" run bigudp udp "127.0.0.1:$UDP" 134 big
eq "oversize udp: exit 3 (a replay that dropped events)" $RC 3
since "$R/net.log" 2
check "oversize udp: the two small events arrive" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/big.small" net 134 big $PID
eq "oversize udp: counted" \
    "$(metric "$T/bigudp.metrics" pauditd_output_oversize_total syslog)" 1
eq "oversize udp: counted as rejected" \
    "$(metric "$T/bigudp.metrics" pauditd_output_dropped_rejected_total syslog)" 1
check "oversize udp: reported clearly" \
    grep -q 'is too large for a udp datagram.*dropping' "$T/bigudp.stderr"
# Too large for a unix datagram socket (EMSGSIZE): dropped and counted too.
gen_events "$T/huge.log" 7110 1 "k"
gen_events "$T/huge.log" 7111 1 "k" 400000
expected_lines "$T/huge.log" "$T/huge.expected"
grep -v 'xxxxxxxxxxxxxxxxxxxx' "$T/huge.expected" > "$T/huge.small"
IN="$T/huge.log" run hugedgram unixgram "$R/dgram.sock" 134 huge
eq "oversize unixgram: exit 3 (a replay that dropped events)" $RC 3
since "$R/local.log" 1
check "oversize unixgram: the small event arrives" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/huge.small" net 134 huge $PID
eq "oversize unixgram: counted" \
    "$(metric "$T/hugedgram.metrics" pauditd_output_oversize_total syslog)" 1
check "oversize unixgram: reported clearly" \
    grep -q 'is too large for a unixgram datagram.*dropping' "$T/hugedgram.stderr"
IN="$T/big.log" run bigtcp tcp "127.0.0.1:$TCP" 134 big
since "$R/net.log" 3
check "oversize over tcp: all three arrive whole" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/big.expected" net 134 big $PID

# rsyslog restarts between two batches: the closed TCP connection is
# noticed and replaced, nothing is lost.
gen_events "$T/r1.log" 7200 3 "k"
gen_events "$T/r2.log" 7203 3 "k"
cat "$T/r1.log" "$T/r2.log" > "$T/r.log"
expected_lines "$T/r.log" "$T/r.expected"
printf 'output:\n  syslog:\n    enabled: true\n    network: tcp\n    address: 127.0.0.1:%s\n    attempts: 20\n' \
    "$TCP" > "$T/re.yaml"
mkfifo "$T/fifo"
bg sh -c "exec \"$PAUDITD\" --input - -config \"$T/re.yaml\" \
    --metrics-out \"$T/re.metrics\" < \"$T/fifo\" 2> \"$T/re.stderr\""
pid=$LASTPID
mark
exec 3> "$T/fifo"
cat "$T/r1.log" >&3
since "$R/net.log" 3
kill "$RSPID"; wait "$RSPID" 2>/dev/null
start_rsyslog || nok "rsyslog restarted"
cat "$T/r2.log" >&3
exec 3>&-
wait "$pid"
eq "reconnect: exit 0" $? 0
since "$R/net.log" 6
check "reconnect: all six arrive exactly once" \
    python3 "$SERVERS/syslog_check.py" "$T/got" "$T/r.expected" net 132 pauditd $pid

# rsyslog down for 2 s while 300 events come, with the default attempts
# (3): the circuit breaker holds them in the queue and probes once a
# second, so the outage costs about one event per 3 probes, not all 300.
gen_events "$T/o.log" 8000 300 "k"
printf 'output:\n  syslog:\n    enabled: true\n    network: tcp\n    address: 127.0.0.1:%s\n' \
    "$TCP" > "$T/out.yaml"
kill "$RSPID"; wait "$RSPID" 2>/dev/null
mark
bg sh -c "exec \"$PAUDITD\" --input \"$T/o.log\" -config \"$T/out.yaml\" \
    --metrics-out \"$T/out.metrics\" 2> \"$T/out.stderr\""
pid=$LASTPID
sleep 2
start_rsyslog || nok "rsyslog restarted"
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
wait "$pid"
failed=$(metric "$T/out.metrics" pauditd_output_dropped_failed_total syslog)
written=$(metric "$T/out.metrics" pauditd_output_events_total syslog)
check "outage: the breaker opened" grep -q 'circuit breaker open' "$T/out.stderr"
check "outage: at most 3 of 300 events lost to it (${failed:-?})" test "${failed:-999}" -le 3
eq "outage: the rest written" "$((${written:-0} + ${failed:-0}))" 300
since "$R/net.log" "${written:-0}"
eq "outage: and arrived" "$(wc -l < "$T/got")" "${written:-0}"

# UDP to a port where nothing listens: the host refuses each datagram,
# which the next send learns (ECONNREFUSED). Each refused one was counted
# written: counted lost too (dropped_unacked), as statsd's are, not taken
# for a success (a probe found 1,009 of 3,000 lost, all counted written).
uport=$(free_port udp)
printf 'output:\n  syslog: {enabled: true, network: udp, address: "127.0.0.1:%s", attempts: 2}\n' "$uport" > "$T/refused.yaml"
gen_events "$T/refused.log" 100 10 "k"
{ while read -r l; do echo "$l"; case "$l" in *EOE*) sleep 0.05;; esac; done < "$T/refused.log"; } |
    "$PAUDITD" --input - -config "$T/refused.yaml" --metrics-out "$T/refused.prom" 2> "$T/refused.err"
eq "refused datagrams: exit 3 (a replay that lost events)" $? 3
lost=$(metric "$T/refused.prom" pauditd_output_dropped_unacked_total syslog)
check "refused datagrams: counted lost (${lost:-?} of 10, the last one's refusal unknown)" \
    test "${lost:-0}" -ge 5
check "refused datagrams: said" grep -q 'a datagram was refused' "$T/refused.err"

# Configuration errors.
printf 'output:\n  syslog:\n    enabled: true\n    network: sctp\n    priority: 192\n' > "$T/bad1.yaml"
"$PAUDITD" --check-config -config "$T/bad1.yaml" > /dev/null 2> "$T/bad1.err"
check "unknown network rejected" grep -q 'output.syslog.network: unknown network "sctp"' "$T/bad1.err"
check "priority above 191 rejected" grep -q 'output.syslog.priority: must be between 0 and 191' "$T/bad1.err"
printf 'output:\n  syslog:\n    enabled: true\n    network: udp\n    address: nohost\n' > "$T/bad2.yaml"
"$PAUDITD" --check-config -config "$T/bad2.yaml" > /dev/null 2> "$T/bad2.err"
check "udp address must be host:port" grep -q 'output.syslog.address: must be host:port' "$T/bad2.err"

finish
