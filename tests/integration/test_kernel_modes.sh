#!/bin/sh
# pauditd on the real kernel in each netlink mode: a rule scoped to a
# probe binary fires, and the event arrives whole in pauditd's format.
# Also: the mode is logged, pauditd excludes itself, unregisters at exit
# and leaves the rules in place.
. "$(dirname "$0")/kernel_lib.sh"
k_require

for mode in unicast auto multicast; do
	auditctl -D >/dev/null
	rm -f "$tmp/out.json"
	k_config "$tmp/c.yaml" "$mode" "rules:" "  - -D" "  - -e 1" "  - $(k_rule)"
	if ! k_start "$tmp/c.yaml"; then
		fail "$mode: pauditd starts"
		k_stop
		continue
	fi
	want=unicast
	[ "$mode" = multicast ] && want=multicast
	check "$mode: logs mode $want" grep -q "netlink: mode $want" "$tmp/err"
	if [ "$want" = unicast ]; then
		check "$mode: registered as the audit pid" k_pid_is "$P"
	else
		check "$mode: audit pid left alone" k_pid_is 0
	fi
	check "$mode: first rule excludes pauditd (after a -D rule)" sh -c "auditctl -l | head -n 1 | grep -q 'never,exit.*pid=$P'"
	k_probe
	if k_event; then
		k_check_event "$mode"
	else
		fail "$mode: the probe's event arrives"
		sed 's/^/  /' "$tmp/err"
	fi
	check "$mode: pauditd exits 0 on SIGTERM" k_stop
	check "$mode: audit pid is 0 after exit" k_pid_is 0
	check "$mode: rules are left in place" sh -c "auditctl -l | grep -q 'key=$key'"
	check "$mode: nothing lost or truncated" sh -c \
	    "[ \"\$(awk '\$1 ~ /netlink_(dropped|truncated|invalid)_total/ { s += \$2 } END { print s + 0 }' '$tmp/metrics')\" = 0 ]"
done

# Without a rules: key the kernel's rules are not touched.
auditctl -D >/dev/null
auditctl -a always,exit -F arch=b64 -S execve -F exe="$probe" -k "${key}_kept" >/dev/null
k_config "$tmp/c.yaml" auto
if k_start "$tmp/c.yaml"; then
	check "no rules key: says so" grep -q "no rules configured" "$tmp/err"
	check "no rules key: kernel rules untouched" sh -c \
	    "[ \"\$(auditctl -l)\" = '-a always,exit -F arch=b64 -S execve -F exe=$probe -F key=${key}_kept' ]"
	k_stop
else
	fail "no rules key: pauditd starts"
fi

# What pauditd changed it undoes at exit, as auditd does: auditing off
# again as it found it, its self-exclusion (a rule on its pid, which the
# next process with that pid would inherit) gone; the rules stay.
auditctl -D >/dev/null
auditctl -e 0 >/dev/null
k_config "$tmp/c.yaml" unicast "rules:" "  - $(k_rule)"
if k_start "$tmp/c.yaml"; then
	check "undo: auditing on while pauditd runs" [ "$(k_status enabled)" = 1 ]
	check "undo: its self-exclusion is in" sh -c "auditctl -l | grep -q 'pid=$P\$'"
	check "undo: pauditd exits 0" k_stop
	check "undo: auditing off again, as found" [ "$(k_status enabled)" = 0 ]
	check "undo: the self-exclusion is gone" sh -c "! auditctl -l | grep -q 'pid=$P\$'"
	check "undo: the configured rule stays" sh -c "auditctl -l | grep -q 'key=$key\$'"
else
	fail "undo: pauditd starts"
fi

# A failing rule stops start-up with auditctl's message, index and text,
# and the kernel gets back the rules it had: no half-loaded set.
auditctl -D >/dev/null
auditctl -a always,exit -F arch=b64 -S execve -F exe="$probe" -k "${key}_prev" >/dev/null
# A key with spaces: auditctl -l prints it unquoted (a probe lost such a
# watch when the rules were put back).
auditctl -a always,exit -F arch=b64 -S getppid -F exe="$probe" -k "${key} pre a" >/dev/null
before=$(auditctl -l)
auditctl -e 0 >/dev/null
limits=$(auditctl -s | awk '$1 ~ /^(rate_limit|backlog_limit|backlog_wait_time)$/' | tr '\n' ' ')
k_config "$tmp/c.yaml" unicast "rules:" "  - -e 1" "  - -b 8191" "  - -r 77" \
    "  - --backlog_wait_time 59999" "  - -a always,exit -F arch=b64 -S no_such_syscall -k $key"
"$PAUDITD" -config "$tmp/c.yaml" 2>"$tmp/err2"
rc=$?
check "bad rule: exit status 1" [ "$rc" = 1 ]
check "bad rule: index, line and text" grep -q "rule #5 (.* line 9) \"-a always,exit -F arch=b64 -S no_such_syscall -k $key\"" "$tmp/err2"
check "bad rule: the settings before it back too (-b, -r, --backlog_wait_time)" \
    [ "$(auditctl -s | awk '$1 ~ /^(rate_limit|backlog_limit|backlog_wait_time)$/' | tr '\n' ' ')" = "$limits" ]
check "bad rule: auditctl's own message" grep -q "Syscall name unknown: no_such_syscall" "$tmp/err2"
check "bad rule: unregistered after failing" k_pid_is 0
check "bad rule: the kernel's previous rules are back, as they were" \
    [ "$(auditctl -l)" = "$before" ]
check "bad rule: a key with spaces too" sh -c "auditctl -l | grep -qF 'key=${key} pre a'"
check "bad rule: and said" grep -q "the kernel's 2 previous rules are back" "$tmp/err2"
check "bad rule: auditing off, as found" [ "$(k_status enabled)" = 0 ]

# Two record types below 1100: AUDIT_USER (1005, what auditctl -m sends)
# and AUDIT_LOGIN (1006, a loginuid set, as pam_loginuid does at each
# login). A probe beside auditd found both in its log and not in pauditd's
# output, the USER counted as a missed serial. No syscall rule: the LOGIN
# record is an event of its own then.
for mode in unicast multicast; do
	auditctl -D >/dev/null
	rm -f "$tmp/out.json"
	k_config "$tmp/c.yaml" "$mode" "events: {min: 1000, max: 1399}" \
	    "rules:" "  - -e 1"
	if ! k_start "$tmp/c.yaml"; then
		fail "$mode: USER and LOGIN: pauditd starts"
		k_stop
		continue
	fi
	auditctl -m "pauditd-kt-$key-$mode" >/dev/null 2>&1
	sh -c 'echo 4242 > /proc/self/loginuid'
	check "$mode: AUDIT_USER (auditctl -m) arrives" k_wait 50 sh -c \
	    "grep -F '\"type\":1005,' '$tmp/out.json' | grep -qF 'pauditd-kt-$key-$mode'"
	check "$mode: AUDIT_LOGIN arrives" k_wait 50 sh -c \
	    "grep -F '\"type\":1006,' '$tmp/out.json' | grep -qF 'auid=4242'"
	k_stop
	check "$mode: USER and LOGIN: no serial missed" [ "$(k_metric pauditd_serials_missed_total)" = 0 ]
done
k_done
