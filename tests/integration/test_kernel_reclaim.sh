#!/bin/sh
# Reclaiming the audit pid on the real kernel. tools/nlkick makes the
# kernel drop pauditd's registration and then holds the pid itself, as
# a competing daemon would, and exits without unregistering. pauditd
# must notice, fail to replace the healthy holder without retrying in a
# loop, and take the pid back once the holder is gone. Then: auto mode
# takes over the pid of a daemon that died without unregistering.
. "$(dirname "$0")/kernel_lib.sh"
k_require
[ -x "$TOOLBIN/nlkick" ] || k_skip "tools/nlkick not built"

k_config "$tmp/c.yaml" unicast "rules:" "  - $(k_rule)"
k_start "$tmp/c.yaml" || { fail "pauditd starts"; k_done; }
check "registered" k_pid_is "$P"
"$TOOLBIN/nlkick" "$P" -h 2 >"$tmp/kick" 2>&1 &
K=$!
pids="$pids $K"
check "the kernel dropped pauditd, nlkick holds the pid" k_wait 30 k_pid_is "$K"
check "pauditd logs who took the pid" k_wait 30 grep -q "audit pid taken by $K (nlkick)" "$tmp/err"
check "a healthy holder is not replaced" k_wait 30 grep -q "could not reclaim the audit pid held by $K" "$tmp/err"
check "it is tried once, not every poll" [ "$(grep -c 'could not reclaim' "$tmp/err")" = 1 ]
wait "$K"
check "pauditd takes the pid back when the holder is gone" k_wait 50 k_pid_is "$P"
check "and says so" grep -q "reclaimed the audit pid from $K" "$tmp/err"
k_probe
check "events arrive again" k_event
check "pauditd exits 0" k_stop
check "two registrations counted" [ "$(k_metric pauditd_netlink_registrations_total)" = 2 ]
check "audit pid is 0 after exit" k_pid_is 0

# A daemon that died without unregistering leaves its pid in the kernel:
# auto mode must see that it is gone and take the unicast socket.
"$TOOLBIN/nlnull" >/dev/null 2>"$tmp/nl.err" &
N=$!
pids="$pids $N"
k_wait 50 k_pid_is "$N" || fail "nlnull registers"
kill -9 "$N"
wait "$N" 2>/dev/null
check "a dead daemon's pid stays registered" k_pid_is "$N"
k_config "$tmp/c.yaml" auto "rules:" "  - $(k_rule)"
if k_start "$tmp/c.yaml"; then
	check "auto with a dead holder: unicast" grep -q "netlink: mode unicast" "$tmp/err"
	check "auto with a dead holder: registered" k_pid_is "$P"
	check "pauditd exits 0" k_stop
else
	fail "auto with a dead holder: pauditd starts"
fi
k_done
