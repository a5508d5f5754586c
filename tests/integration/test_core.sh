#!/bin/sh
# Core behaviour of the daemon, without the kernel: CLI and config errors,
# stdout/stderr separation, logrotate reopen without loss, SIGTERM drain of
# events in flight, a full disk counted as dropped, bounded memory, inputs
# that are not log files (a directory, /dev/null, a 20 MiB line), stdout's
# reader gone, an aggregated log of many nodes.
bin=${PAUDITD:-./pauditd}
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$tmp"' EXIT
P=0; F=0
check() {	# name, condition (a shell command)
	if sh -c "$2" >/dev/null 2>&1; then P=$((P + 1)); else F=$((F + 1)); echo "FAIL $1"; fi
}
# event N [key] -> one execve event of 4 records without EOE (ends on PROCTITLE)
event() {
	ts="1700000000.$(printf %03d $(( $1 % 1000 )))"
	echo "type=SYSCALL msg=audit($ts:$1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=$1 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" exe=\"/bin/x\" key=\"k\""
	echo "type=EXECVE msg=audit($ts:$1): argc=2 a0=\"x\" a1=\"$1\""
	echo "type=CWD msg=audit($ts:$1): cwd=\"/\""
	[ "${2:-}" = open ] || echo "type=PROCTITLE msg=audit($ts:$1): proctitle=78"
}
wait_lines() {	# file, count, seconds
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt $(($3 * 20)) ]; do
		sleep 0.05; i=$((i + 1))
	done
}

# --- command line and configuration errors
check "version" "$bin -version | grep -q 'pauditd version: '"
check "help" "$bin --help | grep -q -- '--check-config'"
check "unknown option exits 2" "$bin --bogus; [ \$? = 2 ]"
check "an option given twice exits 2 (two inputs: one would be replayed silently)" "$bin --input /dev/null --input /dev/null 2>&1 | grep -q 'given twice'; [ \$? = 0 ] && $bin --input /dev/null --input /dev/null; [ \$? = 2 ]"
check "defaults are valid" "$bin --check-config | grep -qx 'configuration OK'"
cat > "$tmp/bad.yaml" <<'Y'
events:
  min: 1300
  max: abc
output:
  file:
    enabled: true
    path: /tmp/x
    mode: rw
    user: no-such-user-here
  stdout:
    enabled: true
    attempts: 0
    colour: red
Y
"$bin" -config "$tmp/bad.yaml" --check-config >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
check "bad config exits 1" "[ $rc = 1 ]"
check "bad config: nothing on stdout" "[ ! -s $tmp/bad.out ]"
check "error names file:line: key (events.max)" "grep -q 'bad.yaml:3: events.max: must be an integer' $tmp/bad.err"
check "error names file:line: key (mode)" "grep -q 'bad.yaml:8: output.file.mode: must be an octal mode' $tmp/bad.err"
check "error names the user" "grep -q 'bad.yaml:9: output.file.user: no such user' $tmp/bad.err"
check "attempts range" "grep -q 'bad.yaml:12: output.stdout.attempts' $tmp/bad.err"
check "unknown key warned with its line" "grep -q 'warning: .*bad.yaml:13: output.stdout.colour: unknown key' $tmp/bad.err"
check "every error counted" "grep -q '4 errors in the configuration' $tmp/bad.err"
printf 'output: [\n' > "$tmp/syntax.yaml"
check "YAML syntax error names the file" "$bin -config $tmp/syntax.yaml --check-config 2>&1 | grep -q 'syntax.yaml:'"
check "missing file" "$bin -config $tmp/none.yaml --check-config 2>&1 | grep -q 'none.yaml: No such file'"

# --- output.file user/group as numbers: decimal, at most 4294967294, no wrap
for id in 4294967297 99999999999999999999 4294967295 -1 +1 ' 1' 0x10 1e3; do
	printf "output:\n  file:\n    enabled: true\n    path: $tmp/id.json\n    user: '%s'\n    group: '%s'\n" \
	    "$id" "$id" > "$tmp/id.yaml"
	"$bin" -config "$tmp/id.yaml" --check-config >/dev/null 2>"$tmp/id.err"; rc=$?
	check "user/group '$id' rejected" "[ $rc = 1 ] &&
	    grep -q 'id.yaml:5: output.file.user: no such user \"$id\"' $tmp/id.err &&
	    grep -q 'id.yaml:6: output.file.group: no such group \"$id\"' $tmp/id.err"
done
for id in 0 4294967294; do
	printf "output:\n  file:\n    enabled: true\n    path: $tmp/id.json\n    user: '%s'\n    group: %s\n" \
	    "$id" "$id" > "$tmp/id.yaml"
	check "user/group $id accepted" "$bin -config $tmp/id.yaml --check-config | grep -qx 'configuration OK'"
done

# --- boolean options take =false, =0, =true... as Go's flag package does
event 7 > "$tmp/seven.log"
check "-check-config=false replays" "$bin -check-config=false --input $tmp/seven.log > $tmp/b.out 2>/dev/null &&
    grep -q '\"sequence\":7,' $tmp/b.out && ! grep -q 'configuration OK' $tmp/b.out"
for v in 0 f F FALSE False false; do
	check "--check-config=$v replays" "$bin --check-config=$v --input $tmp/seven.log | grep -q '\"sequence\":7,'"
done
for v in 1 t T TRUE True true; do
	check "-check-config=$v checks" "$bin -check-config=$v --input $tmp/seven.log | grep -qx 'configuration OK'"
done
check "-v=false: no debug logging" "! $bin -v=false --input $tmp/seven.log 2>&1 >/dev/null | grep -q 'end of input'"
check "-v: debug logging" "$bin -v --input $tmp/seven.log 2>&1 >/dev/null | grep -q 'end of input'"
check "--verbose=true: debug logging" "$bin --verbose=true --input $tmp/seven.log 2>&1 >/dev/null | grep -q 'end of input'"
check "-version=false: not the version" "$bin -version=false --check-config | grep -qx 'configuration OK'"
for a in -v=yes --check-config= -version=2; do
	"$bin" "$a" --check-config >"$tmp/b.out" 2>"$tmp/b.err"; rc=$?
	check "$a: usage error naming the option" "[ $rc = 2 ] && [ ! -s $tmp/b.out ] &&
	    grep -q 'invalid boolean value \"${a#*=}\" for option \"-$(echo "${a%%=*}" | sed 's/^--*//')\"' $tmp/b.err"
done

# --- stdout carries events only; logs go to stderr
event 1 > "$tmp/one.log"; echo "garbage" >> "$tmp/one.log"
"$bin" --input "$tmp/one.log" >"$tmp/one.out" 2>"$tmp/one.err"
check "stdout holds exactly the event" "[ \$(wc -l < $tmp/one.out) = 1 ] && grep -q '\"sequence\":1,' $tmp/one.out"
check "the warning went to stderr" "grep -q 'not an audit record' $tmp/one.err"

# --- logrotate: rename the file, SIGUSR1, nothing lost
cat > "$tmp/file.yaml" <<Y
output:
  file:
    enabled: true
    path: $tmp/out.json
    mode: 0640
Y
mkfifo "$tmp/in"
"$bin" --input "$tmp/in" -config "$tmp/file.yaml" 2>"$tmp/rot.err" &
pid=$!; pids="$pids $pid"
exec 3>"$tmp/in"
n=1; while [ $n -le 100 ]; do event $n >&3; n=$((n + 1)); done
wait_lines "$tmp/out.json" 100 10
check "file mode applied" "[ \$(stat -c %a $tmp/out.json) = 640 ]"
mv "$tmp/out.json" "$tmp/out.json.1"
kill -USR1 $pid
sleep 0.7
while [ $n -le 200 ]; do event $n >&3; n=$((n + 1)); done
wait_lines "$tmp/out.json" 100 10
kill -HUP $pid
sleep 0.7
while [ $n -le 250 ]; do event $n >&3; n=$((n + 1)); done
exec 3>&-
wait $pid; rc=$?
check "replay exits 0 at EOF" "[ $rc = 0 ]"
check "rotated file has the first 100" "[ \$(wc -l < $tmp/out.json.1) = 100 ]"
check "nothing lost across the reopen" "[ \$(cat $tmp/out.json.1 $tmp/out.json | wc -l) = 250 ]"
check "every serial once" "[ \$(cat $tmp/out.json.1 $tmp/out.json | sed 's/.*\"sequence\":\\([0-9]*\\),.*/\\1/' | sort -un | wc -l) = 250 ]"
check "reopen logged" "grep -q 'reopened' $tmp/rot.err"

# --- SIGTERM flushes events in flight (no EOE, no PROCTITLE) and drains
rm -f "$tmp/in" "$tmp/out.json"; mkfifo "$tmp/in"
"$bin" --input "$tmp/in" -config "$tmp/file.yaml" 2>"$tmp/term.err" &
pid=$!; pids="$pids $pid"
exec 3>"$tmp/in"
n=1; while [ $n -le 50 ]; do event $n open >&3; n=$((n + 1)); done
sleep 1
kill -TERM $pid
wait $pid; rc=$?
exec 3>&-
check "SIGTERM exits 0" "[ $rc = 0 ]"
check "SIGTERM flushed every event in flight" "[ \$(wc -l < $tmp/out.json) = 50 ]"

# --- a full disk: retried, then counted as dropped, never a crash
printf 'output:\n  file:\n    enabled: true\n    attempts: 2\n    path: /dev/full\n' > "$tmp/full.yaml"
n=1; : > "$tmp/ten.log"; while [ $n -le 10 ]; do event $n >> "$tmp/ten.log"; n=$((n + 1)); done
"$bin" --input "$tmp/ten.log" -config "$tmp/full.yaml" --metrics-out "$tmp/full.prom" 2>"$tmp/full.err"; rc=$?
check "full disk: exit 3 (a replay that dropped events)" "[ $rc = 3 ]"
check "full disk: the exit said why" "grep -q 'replay: the outputs dropped 10 events' $tmp/full.err"
check "full disk: every event counted as failed" "grep -qx 'pauditd_output_dropped_failed_total{output=\"file\"} 10' $tmp/full.prom"
check "full disk: retries counted" "grep -q 'pauditd_output_retries_total{output=\"file\"} [1-9]' $tmp/full.prom"
check "full disk: the error is logged" "grep -q 'No space left on device' $tmp/full.err"

# --- a disk that fills up in the middle of a line (a file size limit,
# EFBIG as a full disk's ENOSPC): the daemon is not killed (SIGXFSZ), the
# line dropped half written is taken off the file, which holds whole lines
# only; a file left ending in a cut line gets its end before the next line
n=1; : > "$tmp/fs.log"; while [ $n -le 200 ]; do event $n >> "$tmp/fs.log"; n=$((n + 1)); done
printf 'output:\n  file:\n    enabled: true\n    attempts: 1\n    path: %s/fs.json\n' "$tmp" > "$tmp/fs.yaml"
(ulimit -f 64; exec "$bin" --input "$tmp/fs.log" -config "$tmp/fs.yaml" --metrics-out "$tmp/fs.prom") 2>"$tmp/fs.err"; rc=$?
check "file size limit: exit 3, not killed by SIGXFSZ" "[ $rc = 3 ]"
check "file size limit: the error is logged" "grep -q 'File too large' $tmp/fs.err"
check "file size limit: the file ends in a whole line" "[ -s $tmp/fs.json ] && [ \"\$(tail -c 1 $tmp/fs.json | od -An -c | tr -d ' ')\" = '\\n' ]"
check "file size limit: every line whole" "! grep -qv '^{.*}\$' $tmp/fs.json"
check "file size limit: the lines are the events written" "grep -qx \"pauditd_output_events_total{output=\\\"file\\\"} \$(wc -l < $tmp/fs.json)\" $tmp/fs.prom"
check "file size limit: written + failed = all" "awk '/^pauditd_output_(events|dropped_failed)_total.output=.file/ { s += \$2 } END { exit s != 200 }' $tmp/fs.prom"
printf '{"cut' > "$tmp/cut.json"
printf 'output:\n  file:\n    enabled: true\n    path: %s/cut.json\n' "$tmp" > "$tmp/cut.yaml"
"$bin" --input "$tmp/ten.log" -config "$tmp/cut.yaml" 2>"$tmp/cut.err"; rc=$?
check "cut line: exit 0" "[ $rc = 0 ]"
check "cut line: said" "grep -q 'ends in a cut line' $tmp/cut.err"
check "cut line: ended, then the events whole" "[ \"\$(head -n 1 $tmp/cut.json)\" = '{\"cut' ] && [ \$(wc -l < $tmp/cut.json) = 11 ] && [ \$(grep -c '^{.*}\$' $tmp/cut.json) = 10 ]"

# --- the file output's path, planted: pauditd runs as root and chmods and
# chowns its file, so a symlink or a hard link put there by whoever may
# write the directory would have it take any file of the host. A symlink
# is followed only if root owns it; a file with other links, or owned by
# someone else, is refused (a security review made /etc-like files 0644
# and the attacker's).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$tmp"	# nobody must reach plant/
	mkdir -m 755 "$tmp/plant"; chown nobody "$tmp/plant"
	echo secret > "$tmp/victim"; chmod 600 "$tmp/victim"
	printf 'output:\n  file: {enabled: true, path: %s/plant/p.log, mode: 0644, user: nobody}\n' "$tmp" > "$tmp/plant.yaml"
	printf 'output:\n  file: {enabled: true, path: %s/plant/p.log}\n' "$tmp" > "$tmp/plant2.yaml"
	plant() {	# name, what to plant (sh as nobody, or root), config
		rm -f "$tmp/plant/p.log" "$tmp/plant/real.log"
		eval "$2"
		"$bin" --input "$tmp/ten.log" -config "$tmp/$3" 2>"$tmp/plant.err"; echo $? > "$tmp/plant.rc"
	}
	plant "symlink" "su nobody -s /bin/sh -c 'ln -s $tmp/victim $tmp/plant/p.log'" plant.yaml
	check "planted symlink: refused, exit 1" "[ \$(cat $tmp/plant.rc) = 1 ] && grep -q 'a symlink of uid 65534: only root' $tmp/plant.err"
	check "planted symlink: the target untouched" "[ \"\$(stat -c '%a %U %s' $tmp/victim)\" = '600 root 7' ]"
	plant "hard link" "ln $tmp/victim $tmp/plant/p.log" plant.yaml
	check "planted hard link: refused" "[ \$(cat $tmp/plant.rc) = 1 ] && grep -q 'it has 2 hard links' $tmp/plant.err"
	check "planted hard link: the target untouched" "[ \"\$(stat -c '%a %U %s' $tmp/victim)\" = '600 root 7' ]"
	plant "foreign file" "su nobody -s /bin/sh -c 'echo x > $tmp/plant/p.log'" plant2.yaml
	check "someone else's file: refused" "[ \$(cat $tmp/plant.rc) = 1 ] && grep -q 'belongs to uid 65534' $tmp/plant.err"
	plant "configured user's file" "su nobody -s /bin/sh -c 'echo x > $tmp/plant/p.log'" plant.yaml
	check "the configured user's file: taken" "[ \$(cat $tmp/plant.rc) = 0 ] && [ \$(wc -l < $tmp/plant/p.log) = 11 ]"
	plant "root's symlink" "ln -s $tmp/plant/real.log $tmp/plant/p.log" plant.yaml
	check "root's symlink: followed" "[ \$(cat $tmp/plant.rc) = 0 ] && [ \$(wc -l < $tmp/plant/real.log) = 10 ]"
	# Followed by the text of the link that was checked (no swap between
	# the check and the open); a relative one from its own directory.
	plant "root's relative symlink" "ln -s real.log $tmp/plant/p.log" plant.yaml
	check "root's relative symlink: followed from its directory" "[ \$(cat $tmp/plant.rc) = 0 ] && [ \$(wc -l < $tmp/plant/real.log) = 10 ]"
	plant "root's dangling symlink" "ln -s $tmp/plant/real.log $tmp/plant/p.log" plant.yaml
	check "root's dangling symlink: its target created" "[ \$(cat $tmp/plant.rc) = 0 ] && [ \"\$(stat -c '%a %U' $tmp/plant/real.log)\" = '644 nobody' ]"
	# ...hop by hop: root's link into the planted directory, whose target
	# the planter made a link to the victim (a review: the victim became
	# nobody's, 0644).
	plant "root's link to a planted link" "ln -s real.log $tmp/plant/p.log; su nobody -s /bin/sh -c 'ln -s $tmp/victim $tmp/plant/real.log'" plant.yaml
	check "root's link to a planted link: refused" "[ \$(cat $tmp/plant.rc) = 1 ] && grep -q 'real.log is a symlink of uid 65534: only root' $tmp/plant.err"
	check "root's link to a planted link: the target untouched" "[ \"\$(stat -c '%a %U %s' $tmp/victim)\" = '600 root 7' ]"
	printf 'output:\n  file: {enabled: true, path: /proc/self/fd/1}\n' > "$tmp/fd1root.yaml"
	"$bin" --input "$tmp/ten.log" -config "$tmp/fd1root.yaml" > "$tmp/fd1root.json" 2>"$tmp/plant.err"; rc=$?
	check "as root, /proc/self/fd/1 (the kernel's link): taken" "[ $rc = 0 ] && [ \$(wc -l < $tmp/fd1root.json) = 10 ]"
	# The invoker's own file through /dev/stdout (sudo pauditd > ~/f) is
	# theirs to choose, and a pauditd without root is none of this.
	su nobody -s /bin/sh -c "touch $tmp/plant/mine.json"
	printf 'output:\n  file: {enabled: true, path: /dev/stdout}\n' > "$tmp/devstdout.yaml"
	"$bin" --input "$tmp/ten.log" -config "$tmp/devstdout.yaml" >> "$tmp/plant/mine.json" 2>"$tmp/plant.err"; rc=$?
	check "path /dev/stdout into the invoker's file: taken" "[ $rc = 0 ] && [ \$(wc -l < $tmp/plant/mine.json) = 10 ]"
	printf 'output:\n  file: {enabled: true, path: /proc/self/fd/1}\n' > "$tmp/fd1.yaml"
	chmod 644 "$tmp/fd1.yaml" "$tmp/ten.log"
	su nobody -s /bin/sh -c "$bin --input $tmp/ten.log -config $tmp/fd1.yaml > $tmp/plant/fd1.json" 2>"$tmp/plant.err"; rc=$?
	check "without root, /proc/self/fd/1 (the user's symlink): taken" "[ $rc = 0 ] && [ \$(wc -l < $tmp/plant/fd1.json) = 10 ]"
fi

# --- a configuration others may change chooses what runs as root
# (netlink.auditctl): said, as a warning
if [ "$(id -u)" = 0 ]; then
	printf 'events: {min: 1300}\n' > "$tmp/open.yaml"; chmod 666 "$tmp/open.yaml"
	check "config writable by others: warned" "$bin -config $tmp/open.yaml --check-config 2>&1 | grep -q 'warning: .*open.yaml: writable by others (mode 0666)'"
	chmod 644 "$tmp/open.yaml"
	check "config root's, 0644: no warning" "! $bin -config $tmp/open.yaml --check-config 2>&1 | grep -q warning"
fi

# --- two outputs at once, each gets every event; go-audit format
cat > "$tmp/two.yaml" <<Y
output:
  file:
    enabled: true
    path: $tmp/two.json
    format: go-audit
  stdout:
    enabled: true
Y
"$bin" --input "$tmp/ten.log" -config "$tmp/two.yaml" >"$tmp/two.out" 2>/dev/null
check "stdout got every event" "[ \$(wc -l < $tmp/two.out) = 10 ]"
check "file got every event" "[ \$(wc -l < $tmp/two.json) = 10 ]"
check "go-audit format has no rule_key" "! grep -q rule_key $tmp/two.json && grep -q '\"rule_key\":\"k\"' $tmp/two.out"

# --- a replay waits for a slow output instead of dropping events
n=1; : > "$tmp/many.log"; while [ $n -le 2000 ]; do event $n >> "$tmp/many.log"; n=$((n + 1)); done
printf 'output:\n  stdout:\n    enabled: true\n    buffer_size: 8\n' > "$tmp/slow.yaml"
# The pipe fills (64 KiB, ~100 events) long before the reader wakes up.
"$bin" --input "$tmp/many.log" -config "$tmp/slow.yaml" --metrics-out "$tmp/slow.prom" \
    2>"$tmp/slow.err" | { sleep 1; cat; } > "$tmp/slow.out"
check "slow output: every event written" "[ \$(wc -l < $tmp/slow.out) = 2000 ]"
check "slow output: nothing dropped" "grep -qx 'pauditd_output_dropped_queue_full_total{output=\"stdout\"} 0' $tmp/slow.prom"
check "slow output: the wait is logged" "grep -q 'queue full (8 events): the replay waits for it' $tmp/slow.err"
# stuck NAME: a replay into a FIFO nobody reads yet (held open on fd 4),
# sent SIGTERM once it waits for room; $pid is the daemon.
stuck() {
	mkfifo "$tmp/$1"
	exec 4<>"$tmp/$1"
	"$bin" --input "$tmp/many.log" -config "$tmp/slow.yaml" --metrics-out "$tmp/$1.prom" \
	    >"$tmp/$1" 2>"$tmp/$1.err" &
	pid=$!; pids="$pids $pid"
	sleep 0.5
	kill -TERM $pid
	sleep 0.3
}
# SIGTERM ends the reading; what was read still waits for room, as the
# drain waits for it (30 s from the signal), and is delivered.
stuck stuck
cat <&4 > "$tmp/stuck.out" &
cat_pid=$!; pids="$pids $cat_pid"
wait $pid; rc=$?
exec 4>&-
sleep 0.2
check "SIGTERM during a replay's wait: exit 0" "[ $rc = 0 ]"
check "SIGTERM during a replay's wait: nothing dropped" \
    "! grep -q 'could not take' $tmp/stuck.err && grep -qx 'pauditd_output_dropped_shutdown_total{output=\"stdout\"} 0' $tmp/stuck.prom"
check "SIGTERM during a replay's wait: every event read delivered" \
    "[ \$(grep -c . $tmp/stuck.out) = \$(sed -n 's/^pauditd_events_total //p' $tmp/stuck.prom) ]"
check "SIGTERM during a replay's wait: logged" "grep -q 'shutting down' $tmp/stuck.err"

# A second SIGTERM ends the wait at once: what is left is dropped and
# counted (an operator's second Ctrl-C does not wait 30 s).
stuck hurry
t0=$(date +%s)
kill -TERM $pid
wait $pid; rc=$?
t1=$(date +%s)
exec 4>&-
check "second SIGTERM: out at once, not at the 30 s deadline ($((t1 - t0)) s)" "[ $((t1 - t0)) -le 5 ]"
check "second SIGTERM: exit 3, the rest dropped and counted" "[ $rc = 3 ] && [ \$(sed -n 's/^pauditd_output_dropped_shutdown_total{output=\"stdout\"} //p' $tmp/hurry.prom) -gt 0 ]"
check "second SIGTERM: said" "grep -q 'again: not waiting for the outputs' $tmp/hurry.err"

# A replay at its end waits for its outputs however long they take, and
# still serves SIGTERM there (it used to sit in a join, deaf to signals).
mkfifo "$tmp/late"
exec 5<>"$tmp/late"
"$bin" --input "$tmp/many.log" --metrics-out "$tmp/late.prom" >"$tmp/late" 2>"$tmp/late.err" &
pid=$!; pids="$pids $pid"
sleep 1
kill -TERM $pid
i=0; while ! grep -q 'shutting down' "$tmp/late.err" && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
check "replay at its end: SIGTERM served while it waits" "grep -q 'shutting down' $tmp/late.err"
cat <&5 > "$tmp/late.out" &
cat_pid=$!; pids="$pids $cat_pid"
wait $pid; rc=$?
exec 5>&-
check "replay at its end: exit 0 once drained" "[ $rc = 0 ]"
check "replay at its end: every event written" "grep -qx 'pauditd_output_events_total{output=\"stdout\"} 2000' $tmp/late.prom"

# --- stdout's reader gone (| head): stdout is gone for good; with no other
# output the replay stops at once and exits 1, and every event published
# is written or counted as dropped
{ "$bin" --input "$tmp/many.log" -config "$tmp/slow.yaml" --metrics-out "$tmp/head.prom" \
    2>"$tmp/head.err"; echo $? > "$tmp/head.rc"; } | head -1 > "$tmp/head.out"
m() { sed -n "s/^$1 //p" "$tmp/head.prom"; }
check "reader gone: exit 1" "[ \$(cat $tmp/head.rc) = 1 ]"
check "reader gone: head got its line" "[ \$(wc -l < $tmp/head.out) = 1 ]"
check "reader gone: said why" "grep -q 'cannot write to stdout: Broken pipe (its reader closed the pipe)' $tmp/head.err"
check "reader gone: said it stops" "grep -q 'every output is gone: nothing read can be delivered, stopping' $tmp/head.err"
check "reader gone: counted as gone, not tried" "[ $(m 'pauditd_output_dropped_gone_total{output=\"stdout\"}') -gt 0 ] &&
    [ $(m 'pauditd_output_dropped_failed_total{output=\"stdout\"}') = 0 ]"
check "reader gone: every event written or counted" "[ $(m 'pauditd_output_received_total{output=\"stdout\"}') = $(m pauditd_events_total) ] &&
    [ $(( $(m 'pauditd_output_events_total{output=\"stdout\"}') + $(m 'pauditd_output_dropped_gone_total{output=\"stdout\"}') )) = $(m pauditd_events_total) ]"

# --- started with stdout closed: nothing else takes fd 1, stdout is gone
# for good and its events counted so, the file output has each once
rm -f "$tmp/two.json"
"$bin" --input "$tmp/ten.log" -config "$tmp/two.yaml" --metrics-out "$tmp/closed.prom" \
    >&- 2>"$tmp/closed.err"; rc=$?
check "stdout closed: exit 3 (the file output works, stdout dropped all)" "[ $rc = 3 ]"
check "stdout closed: the file has every event once" "[ \$(wc -l < $tmp/two.json) = 10 ]"
check "stdout closed: counted as gone" "grep -qx 'pauditd_output_dropped_gone_total{output=\"stdout\"} 10' $tmp/closed.prom"
check "stdout closed: logged" "grep -q 'output stdout. cannot write to stdout: Bad file descriptor' $tmp/closed.err"

# --- a file output on a FIFO nobody reads: a clear error, not a hang that
# SIGTERM cannot end (the open blocked, with the signals blocked)
mkfifo "$tmp/noreader"
printf 'output:\n  file:\n    enabled: true\n    path: %s\n' "$tmp/noreader" > "$tmp/fifo.yaml"
timeout -s KILL 20 "$bin" --input "$tmp/ten.log" -config "$tmp/fifo.yaml" 2>"$tmp/fifo.err"; rc=$?
check "FIFO without a reader: exit 1, not killed" "[ $rc = 1 ]"
check "FIFO without a reader: said so" "grep -q 'cannot open $tmp/noreader: a FIFO without a reader' $tmp/fifo.err"

printf 'output:\n  null:\n    enabled: true\n' > "$tmp/null.yaml"
# --- a replay from a FIFO that has no writer yet waits for it, and
# SIGTERM ends the wait (the open no longer blocks with signals blocked)
mkfifo "$tmp/nowriter"
timeout -s KILL 20 "$bin" --input "$tmp/nowriter" -config "$tmp/null.yaml" 2>"$tmp/nowriter.err" &
pid=$!; pids="$pids $pid"
sleep 1
kill -TERM $pid
wait $pid; rc=$?
check "FIFO input without a writer: SIGTERM exits 0" "[ $rc = 0 ]"

# --- --input - leaves stdin as it found it: blocking (a shell's terminal
# made non-blocking breaks what runs after). A FIFO held open for writing
# here, so that reading it blocks while it is empty.
mkfifo "$tmp/stdin"
exec 6<>"$tmp/stdin"
"$bin" --input - -config "$tmp/null.yaml" <&6 2>/dev/null &
pid=$!; pids="$pids $pid"
sleep 1
kill -TERM $pid
wait $pid
timeout 1 dd bs=1 count=1 <&6 >/dev/null 2>"$tmp/dd.err"; rc=$?
exec 6>&-
check "--input -: stdin blocking again after exit" "[ $rc = 124 ]"

# --- a live input that goes quiet (tail -f audit.log | pauditd --input -):
# the replay's time is its records', which stands still; after
# events.timeout of the wall clock without input, the events in flight time
# out instead of waiting for the next records. An event without its
# PROCTITLE, then 4 s of silence on a pipe held open.
printf 'output:\n  stdout: {enabled: true}\n' > "$tmp/quiet.yaml"
{ event 7001 open; sleep 4; event 7002; } | "$bin" --input - -config "$tmp/quiet.yaml" > "$tmp/quiet.json" 2>/dev/null &
pid=$!; pids="$pids $pid"
wait_lines "$tmp/quiet.json" 1 3
check "quiet live input: the open event out before the input ends" "[ \$(wc -l < $tmp/quiet.json) = 1 ] && grep -q '\"sequence\":7001' $tmp/quiet.json"
wait $pid
check "quiet live input: then the next" "[ \$(wc -l < $tmp/quiet.json) = 2 ]"
# A file read as fast as it goes is never "quiet": its events wait for
# their records, however slow the outputs (the golden tests' timeouts).

# --- inputs that are not plain log files
# A last line without its newline may be a record cut by a writer at work:
# read, and said.
{ event 7101; printf 'type=PROCTITLE msg=audit(1700000000.102:7102): proctitle=78'; } > "$tmp/cut.log"
"$bin" --input "$tmp/cut.log" -config "$tmp/quiet.yaml" > "$tmp/cut.json" 2>"$tmp/cut.err"; rc=$?
check "a last line without newline: read, and said" "[ $rc = 0 ] && [ \$(wc -l < $tmp/cut.json) = 2 ] && grep -q 'ends in a line without a newline' $tmp/cut.err"

# An input with no newline to give (/dev/zero, a file's zero-filled hole
# after a crash): the reading goes back to the main loop between two reads,
# so that SIGTERM is served (it was ignored until SIGKILL).
timeout -k 10 2 "$bin" --input /dev/zero -config "$tmp/null.yaml" 2>/dev/null; rc=$?
check "/dev/zero as input: SIGTERM served (no SIGKILL needed)" "[ $rc = 124 ]"

"$bin" --input "$tmp" -config "$tmp/two.yaml" 2>"$tmp/dir.err"; rc=$?
check "a directory as input: exit 1" "[ $rc = 1 ]"
check "a directory as input: said so" "grep -q 'input $tmp is a directory' $tmp/dir.err"
"$bin" --input /dev/null -config "$tmp/null.yaml" 2>"$tmp/devnull.err"; rc=$?
check "/dev/null as input (epoll cannot watch it): exit 0" "[ $rc = 0 ]"
# A line of 20 MiB without a record in it, between two events: skipped
# whole and counted, the events replayed, the memory bounded.
{ event 1; head -c 20971520 /dev/zero | tr '\0' x; echo; event 2; } > "$tmp/long.log"
"$bin" --input "$tmp/long.log" -config "$tmp/two.yaml" --metrics-out "$tmp/long.prom" \
    >"$tmp/long.out" 2>"$tmp/long.err"; rc=$?
check "overlong line: exit 0" "[ $rc = 0 ]"
check "overlong line: both events" "[ \$(wc -l < $tmp/long.out) = 2 ]"
check "overlong line: counted" "grep -qx 'pauditd_records_malformed_total{reason=\"length\"} 1' $tmp/long.prom"
check "overlong line: logged with its line" "grep -q 'input line 5: longer than 16 MiB' $tmp/long.err"
# Memory measured on the release build (ASan keeps freed buffers).
rel=${PAUDITD_REL:-$bin}
"$TOOLBIN/cputime" -o "$tmp/long.time" "$rel" --input "$tmp/long.log" -config "$tmp/two.yaml" \
    >/dev/null 2>&1
check "overlong line: under 40 MB of memory" "[ \$(cut -d' ' -f4 $tmp/long.time) -lt 40000 ]"

# --- a bad line is quoted in the log with its control bytes escaped:
# an escape sequence or a CR in a log line must not reach the terminal
printf 'x\033[31mred\r\001zz\n' > "$tmp/ctl.log"
event 1 >> "$tmp/ctl.log"
"$bin" --input "$tmp/ctl.log" -config "$tmp/two.yaml" >/dev/null 2>"$tmp/ctl.err"
check "a bad line's control bytes escaped in the log" \
    "grep -qF 'skipping: x\\x1b[31mred\\x0d\\x01zz' $tmp/ctl.err && ! grep -q \"\$(printf '\\033')\" $tmp/ctl.err"

# --- --metrics-out: opened at start (a path that cannot be written fails
# then), left alone by --check-config, in the Prometheus text form
echo precious > "$tmp/keep.prom"
"$bin" --check-config -config "$tmp/two.yaml" --metrics-out "$tmp/keep.prom" >/dev/null 2>&1
check "--check-config leaves --metrics-out alone" "[ \"\$(cat $tmp/keep.prom)\" = precious ]"
# A failed start-up leaves the previous run's counts, not zeros over them.
"$bin" --input "$tmp/ten.log" -config "$tmp/bad.yaml" --metrics-out "$tmp/keep.prom" >/dev/null 2>&1; rc=$?
check "a configuration error leaves --metrics-out alone" "[ $rc = 1 ] && [ \"\$(cat $tmp/keep.prom)\" = precious ]"
"$bin" --input "$tmp/no/such.log" -config "$tmp/two.yaml" --metrics-out "$tmp/keep.prom" \
    >/dev/null 2>"$tmp/keep.err"; rc=$?
check "a failed start-up leaves --metrics-out alone" "[ $rc = 1 ] && [ \"\$(cat $tmp/keep.prom)\" = precious ]"
check "a failed start-up says so" "grep -q 'start-up failed' $tmp/keep.err && grep -q -- '--metrics-out $tmp/keep.prom: left as it was' $tmp/keep.err"
"$bin" --input "$tmp/ten.log" -config "$tmp/two.yaml" --metrics-out "$tmp/no/such/dir.prom" \
    >"$tmp/mo.out" 2>"$tmp/mo.err"; rc=$?
check "--metrics-out that cannot be written: exit 1 at start" "[ $rc = 1 ] && [ ! -s $tmp/mo.out ]"
check "--metrics-out that cannot be written: said" "grep -q -- '--metrics-out $tmp/no/such/dir.prom: No such file' $tmp/mo.err"
"$bin" --input "$tmp/ten.log" -config "$tmp/two.yaml" --metrics-out "$tmp/fmt.prom" >/dev/null 2>&1
check "--metrics-out: a timing as _count and _sum" \
    "grep -q '^pauditd_record_latency_seconds_count [0-9]' $tmp/fmt.prom && grep -q '^pauditd_record_latency_seconds_sum [0-9.]*$' $tmp/fmt.prom &&
    ! grep -q '^pauditd_record_latency_seconds ' $tmp/fmt.prom"

# --- --metrics-out to what is not a regular file cannot be truncated:
# written as it is, exit 0
cat > "$tmp/fileonly.yaml" <<Y
output:
  file: { enabled: true, path: $tmp/fileonly.json }
Y
{ "$bin" --input "$tmp/ten.log" -config "$tmp/fileonly.yaml" --metrics-out /dev/stdout \
    2>"$tmp/mstdout.err"; echo $? > "$tmp/mstdout.rc"; } | cat > "$tmp/mstdout.prom"
check "--metrics-out /dev/stdout (a pipe): exit 0" "[ \$(cat $tmp/mstdout.rc) = 0 ]"
check "--metrics-out /dev/stdout (a pipe): the metrics" \
    "grep -q '^pauditd_events_total 10$' $tmp/mstdout.prom"
check "--metrics-out /dev/stdout (a pipe): no error" "! grep -q 'metrics-out' $tmp/mstdout.err"
"$bin" --input "$tmp/ten.log" -config "$tmp/fileonly.yaml" --metrics-out /dev/null \
    2>"$tmp/mnull.err"; rc=$?
check "--metrics-out /dev/null: exit 0, no error" "[ $rc = 0 ] && ! grep -q 'metrics-out' $tmp/mnull.err"
# stdout a file, the events on it: /dev/stdout opens it again at offset 0,
# which wrote the counters over the events (a review found 0 of 384 left)
"$bin" --input "$tmp/ten.log" --metrics-out /dev/stdout > "$tmp/both.out" 2>/dev/null
"$bin" --input "$tmp/ten.log" --metrics-out /dev/stdout >> "$tmp/both.out" 2>/dev/null
check "--metrics-out /dev/stdout (stdout a file): the events kept" "[ \$(grep -c '^{\"sequence\"' $tmp/both.out) = 20 ]"
check "--metrics-out /dev/stdout (stdout a file): the counters after them" \
    "[ \$(grep -c '^pauditd_events_total 10$' $tmp/both.out) = 2 ] && tail -n 1 $tmp/both.out | grep -q '^pauditd_'"

# --- a signal while it starts (a logrotate SIGHUP as the service
# restarts) is served by the loop, not the default action. A config of
# 600,000 list items takes a while to load (0.3 s released, 1 s under
# ASan): the signals land while it loads, well after the process began.
{ cat "$tmp/two.yaml"; echo 'extras:'
  awk 'BEGIN { for (i = 0; i < 600000; i++) printf "  - k%d\n", i }'; } > "$tmp/slowload.yaml"
mkfifo "$tmp/early"
exec 6<>"$tmp/early"
"$bin" --input "$tmp/early" -config "$tmp/slowload.yaml" >/dev/null 2>"$tmp/early.err" 6>&- &
pid=$!; pids="$pids $pid"
sleep 0.15
kill -HUP $pid; kill -USR1 $pid
# Started (it reads the FIFO) before its writer goes.
i=0; while ! grep -q 'privileges: dropped' "$tmp/early.err" && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
check "signals at start-up: still running" "kill -0 $pid"
exec 6>&-
wait $pid; rc=$?
check "signals at start-up: exit 0 at the end of the input" "[ $rc = 0 ]"

# --- an aggregated log (node= prefixes): two hosts whose serials are 3,000
# apart, interleaved (one tracker for both saw gaps), then more hosts than
# the table holds.
cat > "$tmp/mt.yaml" <<'Y'
message_tracking:
  enabled: true
output:
  stdout:
    enabled: true
Y
i=1
while [ $i -le 200 ]; do
	event $i | sed 's/^/node=a /'
	event $((3000 + i)) | sed 's/^/node=b /'
	i=$((i + 1))
done > "$tmp/nodes.log"
"$bin" --input "$tmp/nodes.log" -config "$tmp/mt.yaml" --metrics-out "$tmp/nodes.prom" \
    >"$tmp/nodes.out" 2>"$tmp/nodes.err"; rc=$?
check "two nodes: exit 0" "[ $rc = 0 ]"
check "two nodes: every event, with its node" \
    "[ \$(grep -c '\"node\":\"a\"' $tmp/nodes.out) = 200 ] && [ \$(grep -c '\"node\":\"b\"' $tmp/nodes.out) = 200 ]"
check "two nodes: each node's serials tracked apart" \
    "grep -qx 'pauditd_serials_missed_total 0' $tmp/nodes.prom && ! grep -q 'restarted' $tmp/nodes.err"
# A gap the window never passed (too few serials after it) is counted at
# the end of the input, not left open for ever.
{ event 1; event 2; event 3; event 7; } > "$tmp/gap.log"
"$bin" --input "$tmp/gap.log" -config "$tmp/mt.yaml" --metrics-out "$tmp/gap.prom" \
    >/dev/null 2>"$tmp/gap.err"; rc=$?
check "open gap at the end: exit 0" "[ $rc = 0 ]"
check "open gap at the end: serials 4-6 counted missed" \
    "grep -qx 'pauditd_serials_missed_total 3' $tmp/gap.prom"
check "open gap at the end: and said" "grep -q 'missed sequences 4-6 (3)' $tmp/gap.err"
# A far jump still waiting for a serial to confirm it at the end: its gap
# is not counted (one corrupt line, or a real gap: it cannot be known), but
# said, with the node (it once went unsaid).
{ i=1000; while [ $i -le 1010 ]; do event $i; i=$((i + 1)); done; event 200000; } |
    sed 's/^/node=web-1 /' > "$tmp/jump.log"
"$bin" --input "$tmp/jump.log" -config "$tmp/mt.yaml" --metrics-out "$tmp/jump.prom" \
    >/dev/null 2>"$tmp/jump.err"; rc=$?
check "unconfirmed jump at the end: exit 0" "[ $rc = 0 ]"
check "unconfirmed jump at the end: not counted" \
    "grep -qx 'pauditd_serials_missed_total 0' $tmp/jump.prom"
check "unconfirmed jump at the end: said, with the node and both serials" \
    "grep -q 'node web-1: serial 200000, far ahead of the last one 1010, was not confirmed.*not counted missed' $tmp/jump.err"
awk 'BEGIN { for (i = 1; i <= 4100; i++)
	printf "node=h%d type=USER_LOGIN msg=audit(1700000000.000:%d): pid=1 uid=0 res=success\n", i, i }' \
    > "$tmp/many.log"
"$bin" --input "$tmp/many.log" -config "$tmp/mt.yaml" --metrics-out "$tmp/many.prom" \
    >/dev/null 2>"$tmp/many.err"; rc=$?
check "4,100 nodes: exit 0" "[ $rc = 0 ]"
check "4,100 nodes: the 4 beyond the table counted" \
    "grep -qx 'pauditd_records_malformed_total{reason=\"node\"} 4' $tmp/many.prom"
check "4,100 nodes: and said with their line" "grep -q 'input line 4097: a node name' $tmp/many.err"

# --- user names through NSS of any length (nss_wrapper stands in for LDAP)
nssw=/usr/lib/x86_64-linux-gnu/libnss_wrapper.so
rel=${PAUDITD_REL:-$bin}
if [ -r "$nssw" ]; then
	long=$(printf 'u%.0s' $(seq 1 100))
	printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:4242:4242::/:/bin/sh\nshort:x:4243:4243::/:/bin/sh\n' \
	    "$long" > "$tmp/nss.passwd"
	printf 'root:x:0:\n' > "$tmp/nss.group"
	printf 'events:\n  min: 1000\noutput:\n  stdout:\n    enabled: true\n' > "$tmp/nss.yaml"
	echo "type=LOGIN msg=audit(1700000000.000:1): pid=1 uid=4242 old-auid=4294967295 auid=4243 res=1" \
	    > "$tmp/nss.log"
	LD_PRELOAD=$nssw NSS_WRAPPER_PASSWD=$tmp/nss.passwd NSS_WRAPPER_GROUP=$tmp/nss.group \
	    "$rel" --input "$tmp/nss.log" -config "$tmp/nss.yaml" >"$tmp/nss.out" 2>"$tmp/nss.err"
	check "a 100-byte user name is mapped whole" \
	    "grep -q '\"uid_map\":{\"4242\":\"$long\",\"4243\":\"short\",\"4294967295\":\"UNKNOWN_USER\"}' $tmp/nss.out"
else
	echo "SKIP user names through NSS: no $nssw (make deps installs libnss-wrapper)"
fi

echo "$P passed, $F failed"
[ "$F" = 0 ]
