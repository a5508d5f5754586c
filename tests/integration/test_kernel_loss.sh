#!/bin/sh
# Loss on the real kernel: an overflowing socket (ENOBUFS) is counted,
# logged, and reading goes on (in unicast the kernel sends the records
# again: an overrun, not a loss); the kernel's own "lost" figure (here
# from a rate limit) reaches the log and the pauditd_kernel_lost gauge.
. "$(dirname "$0")/kernel_lib.sh"
k_require
[ -x "$TOOLBIN/loadgen" ] || k_skip "tools/loadgen not built"
cp "$TOOLBIN/loadgen" "$tmp/loadgen"
load="-a always,exit -F arch=b64 -S getppid -F exe=$tmp/loadgen -k ${key}_load"

# 1. ENOBUFS: a tiny receive buffer, pauditd stopped during a burst. In
# unicast the kernel keeps what it could not send, up to its backlog
# (what it cannot keep, it counts as lost: case 2).
k_config "$tmp/c.yaml" unicast "socket_buffer: {receive: 4096}" \
    "rules:" "  - -e 1" "  - $load" "  - $(k_rule)"
if k_start "$tmp/c.yaml"; then
	kill -STOP "$P"
	"$tmp/loadgen" -n 3000 >/dev/null
	kill -CONT "$P"
	check "enobufs: the overflow is logged" k_wait 50 grep -q "ENOBUFS" "$tmp/err"
	k_probe
	check "enobufs: events still arrive afterwards" k_event
	check "enobufs: still the registered daemon" k_wait 30 k_pid_is "$P"
	check "enobufs: pauditd exits 0" k_stop
	check "enobufs: unicast: pauditd_netlink_overruns_total counts it" \
	    [ "$(k_metric pauditd_netlink_overruns_total)" -ge 1 ]
	check "enobufs: unicast: not in pauditd_netlink_dropped_total (multicast losses)" \
	    [ "$(k_metric pauditd_netlink_dropped_total)" = 0 ]
	check "enobufs: unicast: logged as tried again, losses pointed to missed serials" \
	    grep -q "ENOBUFS): the kernel tries those records again; what it cannot keep is lost and counted in pauditd_serials_missed_total" "$tmp/err"
else
	fail "enobufs: pauditd starts"
fi

# 2. The kernel's lost count: a rate limit of 100 records/s, 3000 events.
auditctl -D >/dev/null
rm -f "$tmp/out.json"
before=$(k_status lost)
k_config "$tmp/c.yaml" unicast "rules:" "  - -e 1" "  - -r 100" "  - $load"
if k_start "$tmp/c.yaml"; then
	"$tmp/loadgen" -n 3000 >/dev/null
	check "lost: the kernel's loss is logged" k_wait 50 grep -q "the kernel lost" "$tmp/err"
	check "lost: pauditd exits 0" k_stop
	after=$(k_status lost)
	check "lost: the kernel lost records ($before -> $after)" [ "$after" -gt "$before" ]
	check "lost: pauditd_kernel_lost follows the kernel" \
	    [ "$(k_metric pauditd_kernel_lost)" -gt "$before" ]
else
	fail "lost: pauditd starts"
fi
k_done
