#!/usr/bin/env python3
"""Assertions over what http_sink.py recorded (python3 standard library).

  http_check.py bodies REC EXPECTED [STATUS]
      the bodies of the requests answered STATUS (default: all) are, byte
      for byte and as a multiset, the lines of EXPECTED (newline included)
  http_check.py notif REC EXPECTED HOSTNAME EXTRA_JSON TRACE_HEADER
      every body is the notification-service DTO of one EXPECTED line whose
      rule_key is usable, built byte for byte with the request's trace id
      and the attributes {hostname, trace_id} updated with EXTRA_JSON;
      every such line was sent exactly once
  http_check.py headers REC TRACE_HEADER
      every request is a POST with Content-Type: application/json and a
      distinct version-4 UUID in TRACE_HEADER
  http_check.py count REC [STATUS]       print the number of requests
  http_check.py distinct REC FIELD       print the number of distinct FIELD
  http_check.py values REC FIELD         print FIELD of every request, sorted
Exit status 0 when the assertion holds; the reason is printed otherwise.
"""
import base64
import collections
import json
import re
import sys

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def load(path, status=None):
    recs = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            r["body"] = base64.b64decode(r["body_b64"])
            if status is None or r["status"] == int(status):
                recs.append(r)
    return recs


def go_str(s):
    """A JSON string as Go's encoding/json writes it."""
    out = json.dumps(s, ensure_ascii=False)
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        out = out.replace(a, b)
    return out


def expected_lines(path):
    with open(path, "rb") as f:
        return [l for l in f.read().splitlines(keepends=True)]


def cmd_bodies(rec, exp, status=None):
    got = collections.Counter(r["body"] for r in load(rec, status))
    want = collections.Counter(expected_lines(exp))
    if got == want:
        return 0
    print("missing:", list(want - got)[:3])
    print("unexpected:", list(got - want)[:3])
    return 1


def dto(line, hostname, extra, trace):
    ev = json.loads(line)
    attrs = {"hostname": hostname, "trace_id": trace}
    attrs.update(extra)
    a = ",".join("%s:%s" % (go_str(k), go_str(attrs[k])) for k in sorted(attrs))
    return ('{"topic":%s,"attributes":{%s},"data":%s,"version":"1.0.0"}' % (
        go_str(ev["rule_key"]), a, line.rstrip(b"\n").decode())).encode()


def cmd_notif(rec, exp, hostname, extra_json, header):
    extra = json.loads(extra_json)
    lines = [l for l in expected_lines(exp)
             if json.loads(l)["rule_key"] not in ("", "(null)")]
    by_seq = {json.loads(l)["sequence"]: l for l in lines}
    seen = collections.Counter()
    bad = 0
    for r in load(rec):
        trace = r["headers"].get(header.lower(), "")
        seq = json.loads(r["body"])["data"]["sequence"]
        want = dto(by_seq.get(seq, b"{}"), hostname, extra, trace) if seq in by_seq else None
        seen[seq] += 1
        if r["body"] != want:
            bad += 1
            if bad < 3:
                print("got:  %r\nwant: %r" % (r["body"], want))
    if sorted(seen) != sorted(by_seq) or any(v != 1 for v in seen.values()):
        print("sent sequences %s, want %s" % (sorted(seen.elements()), sorted(by_seq)))
        bad += 1
    return 1 if bad else 0


def cmd_headers(rec, header):
    recs = load(rec)
    traces = [r["headers"].get(header.lower(), "") for r in recs]
    for r in recs:
        if r["method"] != "POST" or r["headers"].get("content-type") != "application/json":
            print("bad request: %s %s" % (r["method"], r["headers"]))
            return 1
    for t in traces:
        if not UUID4.match(t):
            print("bad trace id %r" % t)
            return 1
    if len(set(traces)) != len(traces):
        print("trace ids repeat")
        return 1
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "bodies":
        return cmd_bodies(*argv[2:])
    if cmd == "notif":
        return cmd_notif(*argv[2:])
    if cmd == "headers":
        return cmd_headers(*argv[2:])
    if cmd == "count":
        print(len(load(*argv[2:])))
        return 0
    if cmd == "distinct":
        print(len({str(r.get(argv[3])) for r in load(argv[2])}))
        return 0
    if cmd == "values":
        print(" ".join(sorted(str(r.get(argv[3])) for r in load(argv[2]))))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
