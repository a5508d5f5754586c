#!/usr/bin/env python3
"""HTTP(S) sink for pauditd's HTTP output tests (python3 standard library).

Every request is appended to --out as one JSON line:
  {"n": 1, "method": "POST", "path": "/x", "headers": {lower-case: value},
   "body_b64": "...", "status": 201, "peer": "127.0.0.1:40000",
   "client_cn": "pauditd-client" (HTTPS with client certificates)}
Requests are answered with HTTP/1.1 keep-alive.

Fault modes:
  --status N          answer N (default 201)
  --fail-first N      answer --fail-status (default 503) to the first N requests
  --delay S           wait S seconds before answering (slow server)
  --start-delay S     bind only after S seconds (down, then up)
  --no-answer         read and record each request ("status": 0), never
                      answer, and keep the connection until the client
                      closes it (a server that hangs)
  --redirect-status N --location URL
                      answer N with "Location: URL" to requests for
                      --redirect-from (default /), and --status to others
  --short-body        announce a longer body than is sent, then close the
                      connection (the status came, the body is cut short)
  --tls-cert/--tls-key serve HTTPS; --client-ca F requires a client certificate
The listening port is written to --port-file once the socket is bound.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import sys
import threading
import time


class Sink(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        srv = self.server
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length > 0 else b""
        with srv.lock:
            srv.count += 1
            n = srv.count
        status = srv.args.status
        if n <= srv.args.fail_first:
            status = srv.args.fail_status
        redirect = (srv.args.redirect_status
                    and self.path == srv.args.redirect_from)
        if redirect:
            status = srv.args.redirect_status
        if srv.args.no_answer:
            status = 0
        if srv.args.delay > 0:
            time.sleep(srv.args.delay)
        rec = {
            "n": n,
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_b64": base64.b64encode(body).decode(),
            "status": status,
            "peer": "%s:%d" % self.client_address[:2],
        }
        cert = getattr(self.connection, "getpeercert", lambda: None)()
        if cert:
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        rec["client_cn"] = v
        if srv.args.no_answer:
            self.hang(srv, rec)
            return
        reply = b'{"status":"recorded"}\n' * 64
        try:
            self.send_response(status)
            if redirect:
                self.send_header("Location", srv.args.location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            if srv.args.short_body:
                self.wfile.write(reply[:10])
                self.close_connection = True
            else:
                self.wfile.write(reply)
            self.wfile.flush()
        except OSError:
            return
        with srv.lock:
            with open(srv.args.out, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def hang(self, srv, rec):
        """Record the request, then hold the connection until the peer
        closes it: the reply never comes."""
        with srv.lock:
            with open(srv.args.out, "a") as f:
                f.write(json.dumps(rec) + "\n")
        self.close_connection = True
        try:
            while self.rfile.read(1):
                pass
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--out", required=True)
    ap.add_argument("--status", type=int, default=201)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--start-delay", type=float, default=0)
    ap.add_argument("--no-answer", action="store_true")
    ap.add_argument("--short-body", action="store_true")
    ap.add_argument("--redirect-status", type=int, default=0)
    ap.add_argument("--location")
    ap.add_argument("--redirect-from", default="/")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca")
    args = ap.parse_args()
    if args.start_delay > 0:
        time.sleep(args.start_delay)
    srv = Sink(("127.0.0.1", args.port), Handler)
    srv.args = args
    srv.lock = threading.Lock()
    srv.count = 0
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(args.out, "a").close()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
