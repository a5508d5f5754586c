#!/bin/sh
# Multicast beside a real auditd that holds the unicast socket: auto
# mode picks multicast, touches neither the audit pid nor the rules, and
# both daemons get the event; unicast mode refuses to start and says why.
. "$(dirname "$0")/kernel_lib.sh"
k_require
command -v auditd >/dev/null 2>&1 || k_skip "auditd is not installed"

mkdir -p "$tmp/ad/plugins"
cat >"$tmp/ad/auditd.conf" <<CONF
local_events = yes
write_logs = no
log_file = $tmp/ad/audit.log
log_format = RAW
flush = NONE
priority_boost = 0
name_format = NONE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $tmp/ad/plugins
CONF
chmod 600 "$tmp/ad/auditd.conf"
auditd -f -s nochange -c "$tmp/ad" >"$tmp/ad/out" 2>&1 &
A=$!
pids="$pids $A"
k_wait 100 k_pid_is "$A" || { fail "auditd registers"; sed 's/^/  /' "$tmp/ad/out"; k_done; }
auditctl -e 1 >/dev/null
auditctl -a always,exit -F arch=b64 -S execve -F exe="$probe" -k "$key" >/dev/null
rules_before=$(auditctl -l)

k_config "$tmp/c.yaml" auto
if k_start "$tmp/c.yaml"; then
	check "auto beside auditd: multicast" grep -q "netlink: mode multicast: reading the read-only group beside pid $A (auditd)" "$tmp/err"
	check "auditd keeps the audit pid" k_pid_is "$A"
	check "rules untouched" [ "$(auditctl -l)" = "$rules_before" ]
	k_probe
	if k_event; then
		k_check_event "beside auditd"
	else
		fail "beside auditd: the probe's event arrives"
	fi
	check "auditd got the event too" k_wait 50 grep -q "key=\"$key\"" "$tmp/ad/out"
	check "pauditd exits 0" k_stop
	check "auditd still holds the audit pid" k_pid_is "$A"
else
	fail "auto beside auditd: pauditd starts"
fi

k_config "$tmp/c.yaml" unicast
"$PAUDITD" -config "$tmp/c.yaml" 2>"$tmp/err2"
rc=$?
check "unicast beside auditd: refuses to start" [ "$rc" = 1 ]
check "unicast beside auditd: says who holds the pid" grep -q "pid $A (auditd) is registered; use netlink.mode multicast or auto" "$tmp/err2"
check "unicast beside auditd: auditd untouched" k_pid_is "$A"

kill "$A"
wait "$A"
check "auditd unregistered at exit" k_wait 50 k_pid_is 0
k_done
