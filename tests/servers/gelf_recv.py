#!/usr/bin/env python3
"""GELF receiver for pauditd's gelf output tests (python3 standard library).

  gelf_recv.py serve --out FILE --udp-port-file F --tcp-port-file F [--tcp-port N]
      UDP: single datagrams and chunked messages (0x1e 0x0f, 8-byte id,
      sequence, count) are reassembled, then gunzipped / inflated by their
      magic. TCP: NUL-terminated frames. Each message is appended to FILE
      as {"transport", "chunks", "compression", "raw_b64"}.
  gelf_recv.py check FILE EXPECTED HOST TRANSPORT COMPRESSION [CHUNKS>=]
      every message is, byte for byte, the GELF 1.1 object
      {"version":"1.1","host":HOST,"short_message":LINE,"timestamp":T,"level":6,
       "facility":"pauditd"}
      for one EXPECTED line (whitespace-trimmed), each line exactly once,
      T within five minutes of now, all received over TRANSPORT with
      COMPRESSION, and (if given) at least one message in that many chunks.
"""
import argparse
import base64
import collections
import gzip
import json
import os
import socket
import struct
import sys
import threading
import time
import zlib

lock = threading.Lock()


def record(out, transport, chunks, payload):
    if payload[:2] == b"\x1f\x8b":
        comp, raw = "gzip", gzip.decompress(payload)
    elif payload[:1] == b"\x78":
        comp, raw = "zlib", zlib.decompress(payload)
    else:
        comp, raw = "none", payload
    rec = {"transport": transport, "chunks": chunks, "compression": comp,
           "raw_b64": base64.b64encode(raw).decode()}
    with lock:
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")


def serve_udp(sock, out):
    pending = {}
    while True:
        d, _ = sock.recvfrom(65536)
        if d[:2] != b"\x1e\x0f":
            record(out, "udp", 1, d)
            continue
        mid, seq, count = d[2:10], d[10], d[11]
        parts = pending.setdefault(mid, {})
        parts[seq] = d[12:]
        if len(parts) == count:
            del pending[mid]
            record(out, "udp", count, b"".join(parts[i] for i in range(count)))


def serve_tcp_conn(conn, out):
    buf = b""
    while True:
        d = conn.recv(65536)
        if not d:
            break
        buf += d
        while b"\0" in buf:
            frame, buf = buf.split(b"\0", 1)
            record(out, "tcp", 1, frame)
    conn.close()


def reset_conn(conn, secs):
    # Read nothing for a while, then reset the connection with whatever
    # the kernel took unread (SO_LINGER 0), as a receiver killed does.
    time.sleep(secs)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def serve_tcp(sock, out, reset_first=0.0):
    first = True
    while True:
        conn, _ = sock.accept()
        if first and reset_first > 0:
            threading.Thread(target=reset_conn, args=(conn, reset_first), daemon=True).start()
        else:
            threading.Thread(target=serve_tcp_conn, args=(conn, out), daemon=True).start()
        first = False


def write_port(path, port):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(path + ".tmp", path)


def serve(args):
    open(args.out, "a").close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    u.bind(("127.0.0.1", 0))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        t.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    t.bind(("127.0.0.1", args.tcp_port))
    t.listen(16)
    threading.Thread(target=serve_tcp, args=(t, args.out, args.reset_first),
                     daemon=True).start()
    write_port(args.udp_port_file, u.getsockname()[1])
    write_port(args.tcp_port_file, t.getsockname()[1])
    serve_udp(u, args.out)


def go_str(s):
    out = json.dumps(s, ensure_ascii=False)
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        out = out.replace(a, b)
    return out


def check(path, expected, host, transport, compression, min_chunks=0):
    with open(expected, "rb") as f:
        want = collections.Counter(l.strip().decode() for l in f)
    got = collections.Counter()
    max_chunks = 0
    now = time.time()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            raw = base64.b64decode(r["raw_b64"])
            m = json.loads(raw)
            if (r["transport"], r["compression"]) != (transport, compression):
                print("got %s/%s, want %s/%s" % (r["transport"], r["compression"],
                                                 transport, compression))
                return 1
            ts = raw.split(b'"timestamp":', 1)[1].split(b",", 1)[0].decode()
            rebuilt = ('{"version":"1.1","host":%s,"short_message":%s,"timestamp":%s,'
                       '"level":6,"facility":"pauditd"}' % (go_str(host), go_str(m["short_message"]), ts)).encode()
            if raw != rebuilt:
                print("got:  %r\nwant: %r" % (raw[:200], rebuilt[:200]))
                return 1
            if abs(float(ts) - now) > 300:
                print("timestamp %s is not now" % ts)
                return 1
            got[m["short_message"]] += 1
            max_chunks = max(max_chunks, r["chunks"])
    if got != want:
        print("missing %d, unexpected %d" % (sum((want - got).values()),
                                             sum((got - want).values())))
        return 1
    if max_chunks < int(min_chunks):
        print("largest message in %d chunks, want >= %s" % (max_chunks, min_chunks))
        return 1
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        return check(*sys.argv[2:])
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["serve"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--udp-port-file", required=True)
    ap.add_argument("--tcp-port-file", required=True)
    ap.add_argument("--tcp-port", type=int, default=0)
    # The first TCP connection reads nothing for this long, then is reset.
    ap.add_argument("--reset-first", type=float, default=0.0)
    ap.add_argument("--rcvbuf", type=int, default=0)
    serve(ap.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
