#!/usr/bin/env python3
"""Check what rsyslog received (%rawmsg%, one message per line) against the
lines pauditd writes, in the format Go's log/syslog uses.

  syslog_check.py LOG EXPECTED local|net PRI TAG PID
    local: <PRI>Mmm dd hh:mm:ss TAG[PID]: JSON
    net:   <PRI>YYYY-MM-DDThh:mm:ss(Z|+hh:mm) HOSTNAME TAG[PID]: JSON
  Every EXPECTED line must arrive exactly once, byte for byte after the
  header, and the time stamps must be within five minutes of now.
"""
import collections
import datetime
import re
import socket
import sys
import time


def main(log, expected, mode, pri, tag, pid):
    host = socket.gethostname()
    if mode == "local":
        head = re.compile(rb"^<%s>([A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d) %s\[%s\]: " % (
            pri.encode(), re.escape(tag.encode()), pid.encode()))
    else:
        head = re.compile(rb"^<%s>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)) %s %s\[%s\]: " % (
            pri.encode(), re.escape(host.encode()), re.escape(tag.encode()), pid.encode()))
    with open(expected, "rb") as f:
        want = collections.Counter(l.rstrip(b"\n") for l in f)
    got = collections.Counter()
    now = time.time()
    with open(log, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            m = head.match(line)
            if not m:
                print("bad header: %r" % line[:120])
                return 1
            ts = m.group(1).decode()
            if mode == "local":
                t = datetime.datetime.strptime("%d %s" % (time.localtime().tm_year, ts),
                                               "%Y %b %d %H:%M:%S").timestamp()
            else:
                t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
            if abs(t - now) > 300:
                print("time stamp %s is not now" % ts)
                return 1
            got[line[m.end():]] += 1
    if got != want:
        print("missing: %r" % [l[:80] for l in (want - got)][:3])
        print("unexpected: %r" % [l[:80] for l in (got - want)][:3])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
