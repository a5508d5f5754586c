#!/bin/sh
# bench/live.sh (make bench-live): pauditd against the real kernel.
#
# tools/loadgen calls getppid as fast as it can for $BENCH_SECONDS; one
# rule scoped to that binary turns every call into an audit event. The
# kernel throttles the caller when the consumer falls behind (backlog
# limit + backlog_wait_time), so the call rate is the consumer's rate.
# The same load runs against:
#   1. tools/nlnull    reads and discards (batched): the kernel's ceiling
#   2. pauditd         unicast, JSON to a file
#   3. auditd          if installed: its own log file, Debian defaults
# For each: events/s, events sent and received, the kernel's lost count
# during the run, and CPU per event (utime+stime from /proc/PID/stat).
# nlnull and pauditd alternate for $BENCH_ROUNDS rounds and the best round
# of each is compared, because a shared machine makes single runs noisy.
# Needs root and no running audit daemon. The kernel is restored at exit.
top=$(cd "$(dirname "$0")/.." && pwd)
PAUDITD=${PAUDITD:-$top/pauditd}
TOOLBIN=${TOOLBIN:-$top/build/rel/tools}
SECONDS_RUN=${BENCH_SECONDS:-5}
RCVBUF=${BENCH_RCVBUF:-16777216}
BACKLOG=${BENCH_BACKLOG:-8192}
ROUNDS=${BENCH_ROUNDS:-3}
key="pauditd_bench_$$"
hz=$(getconf CLK_TCK)

die() { echo "bench-live: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
auditctl -s >/dev/null 2>&1 || die "no kernel audit (auditctl -s fails)"
st() { auditctl -s | awk -v f="$1" '$1 == f { print $2 }'; }
[ "$(st enabled)" = 2 ] && die "kernel audit is locked (enabled 2)"
holder=$(st pid)
[ "$holder" != 0 ] && kill -0 "$holder" 2>/dev/null && die "an audit daemon (pid $holder) is running"
exec 9>/tmp/pauditd-kernel-tests.lock
flock -w 300 9 || die "a kernel test holds the lock"

orig_backlog=$(st backlog_limit)
tmp=$(mktemp -d /tmp/pauditd-bench.XXXXXX)
chmod 755 "$tmp"
cp "$TOOLBIN/loadgen" "$tmp/loadgen"
rule="-a always,exit -F arch=b64 -S getppid -F exe=$tmp/loadgen -k $key"
C=""

restore() {
	[ -n "$C" ] && kill "$C" 2>/dev/null && wait "$C" 2>/dev/null
	auditctl -D >/dev/null 2>&1
	auditctl -b "$orig_backlog" >/dev/null 2>&1
	[ "$(st pid)" != 0 ] && "$TOOLBIN/nlnull" -t 0 >/dev/null 2>&1
	auditctl -e 0 >/dev/null 2>&1
	rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 1' INT TERM

wait_for() {	# tenths, command...
	n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
pid_is() { [ "$(st pid)" = "$1" ]; }
backlog_empty() { [ "$(st backlog)" = 0 ]; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
kernel_setup() {
	auditctl -D >/dev/null
	auditctl -b "$BACKLOG" >/dev/null
	auditctl -e 1 >/dev/null
}

# Wait until `count` stops growing (the consumer has drained the load).
drain() {	# command printing the received count
	last=-1; same=0; n=600
	while [ "$n" -gt 0 ]; do
		cur=$("$@")
		if [ "$cur" = "$last" ] && [ "$(st backlog)" = 0 ]; then
			same=$((same + 1))
			[ "$same" -ge 5 ] && break
		else
			same=0
		fi
		last=$cur
		sleep 0.1
		n=$((n - 1))
	done
	echo "$last"
}

# Run the load against consumer pid $C; sets sent, rate, lost, cpu0/1.
run_load() {
	lost0=$(st lost)
	cpu0=$(cpu_ticks "$C")
	out=$("$tmp/loadgen" -t "$SECONDS_RUN")
	sent=$(echo "$out" | sed -E 's/.*calls=([0-9]+).*/\1/')
	secs=$(echo "$out" | sed -E 's/.*seconds=([0-9.]+).*/\1/')
}

report() {	# name, received, cpu ticks at the end
	lost=$(( $(st lost) - lost0 ))
	awk -v n="$1" -v s="$sent" -v r="$2" -v t="$secs" -v l="$lost" \
	    -v c="$(($3 - cpu0))" -v hz="$hz" 'BEGIN {
		rate = r / t; us = r ? c * 1e6 / hz / r : 0
		printf "%-10s %12.0f %10d %10d %8d %12.1f\n", n, rate, s, r, l, us
	}' | tee -a "$tmp/results"
}

bench_nlnull() {
	kernel_setup
	auditctl $rule >/dev/null
	"$TOOLBIN/nlnull" -b "$RCVBUF" >"$tmp/nl.out" 2>"$tmp/nl.err" &
	C=$!
	wait_for 50 grep -q ready "$tmp/nl.err" || die "nlnull did not start"
	run_load
	sleep 0.5
	wait_for 100 backlog_empty
	cpu1=$(cpu_ticks "$C")
	kill "$C"; wait "$C"; C=""
	report nlnull "$(sed -E 's/.*syscall=([0-9]+).*/\1/' "$tmp/nl.out")" "$cpu1"
}

bench_pauditd() {
	kernel_setup
	cat >"$tmp/p.yaml" <<EOF
socket_buffer: {receive: $RCVBUF}
output:
  file: {enabled: true, attempts: 1, path: $tmp/out.json, mode: 0600, user: root, group: root}
netlink: {mode: unicast}
rules:
  - -b $BACKLOG
  - $rule
EOF
	rm -f "$tmp/out.json"
	"$PAUDITD" -config "$tmp/p.yaml" --metrics-out "$tmp/p.prom" 2>"$tmp/p.err" &
	C=$!
	wait_for 100 grep -q "netlink: loaded" "$tmp/p.err" || { cat "$tmp/p.err"; die "pauditd did not start"; }
	run_load
	drain sh -c "grep -c '\"rule_key\":\"$key\"' '$tmp/out.json'" >/dev/null
	cpu1=$(cpu_ticks "$C")
	# Counted after exit, which writes out what is still queued: a count
	# taken while a write is held up (by the disk's writeback, say) for
	# longer than drain waits (half a second) misses what is queued.
	kill "$C"; wait "$C"; C=""
	report pauditd "$(grep -c "\"rule_key\":\"$key\"" "$tmp/out.json")" "$cpu1"
	# What pauditd itself dropped (the kernel's losses are in "lost"):
	# a file output that the disk holds up fills its queue.
	dropped=$(awk '/^pauditd_output_dropped_[a-z_]+_total/ { n += $2 }
	    END { print n + 0 }' "$tmp/p.prom" 2>/dev/null)
	if [ "${dropped:-0}" -gt 0 ]; then
		echo "  (pauditd dropped $dropped events in its output:" \
		    "$(grep -m1 'queue full\|dropp' "$tmp/p.err"))"
	fi
}

echo "live benchmark: ${SECONDS_RUN}s of getppid events per run, $ROUNDS rounds, backlog $BACKLOG, receive buffer $RCVBUF, $(nproc) CPUs"
printf "%-10s %12s %10s %10s %8s %12s\n" consumer "events/s" sent received lost "cpu us/event"
: >"$tmp/results"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	bench_nlnull
	bench_pauditd
	r=$((r + 1))
done

if command -v auditd >/dev/null 2>&1; then
	kernel_setup
	mkdir -p "$tmp/ad/plugins"
	cat >"$tmp/ad/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $tmp/ad/audit.log
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 4096
max_log_file_action = IGNORE
num_logs = 2
priority_boost = 4
name_format = NONE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $tmp/ad/plugins
EOF
	chmod 600 "$tmp/ad/auditd.conf"
	auditd -n -s nochange -c "$tmp/ad" >"$tmp/ad/out" 2>&1 &
	C=$!
	wait_for 100 pid_is "$C" || { cat "$tmp/ad/out"; die "auditd did not register"; }
	auditctl $rule >/dev/null
	run_load
	got=$(drain sh -c "grep -c 'type=SYSCALL.*key=\"$key\"' '$tmp/ad/audit.log'")
	report auditd "$got" "$(cpu_ticks "$C")"
	kill "$C"; wait "$C"; C=""
else
	echo "auditd     not installed"
fi

# Best round of each (the machine may be shared), relative to nlnull.
echo
echo "best round of each (rate relative to nlnull, cpu relative to auditd):"
awk '$2 > best[$1] { best[$1] = $2; us[$1] = $6; got[$1] = $4; sent[$1] = $3 }
{ lost[$1] += $5 }
END {
	for (n in best) {
		rel = best["nlnull"] > 0 ? best[n] / best["nlnull"] : 0
		cpu = us["auditd"] > 0 ? sprintf("%.2f", us[n] / us["auditd"]) : "-"
		printf "%-10s %8.0f events/s  %.2f of nlnull  %5.1f us/event  %s of auditd cpu  received %d/%d  lost %d\n", \
		    n, best[n], rel, us[n], cpu, got[n], sent[n], lost[n]
	}
}' "$tmp/results" | sort
# Each pauditd round against the nlnull round just before it.
awk '$1 == "nlnull" { ref = $2 } $1 == "pauditd" && ref > 0 { r[++n] = $2 / ref }
END {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
	printf "pauditd/nlnull per round:"; for (i = 1; i <= n; i++) printf " %.2f", r[i]
	printf "  (median %.2f)\n", n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
}' "$tmp/results"
