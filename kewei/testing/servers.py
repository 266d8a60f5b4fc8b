"""Small real servers for tests of the senders: an HTTP SMS gateway and an SMTP server,
each on a free local port in a background thread (the sender code talks to them over
real sockets, as it would to the bank's)."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Callable
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer


@contextmanager
def sms_gateway(answer: Callable[[dict], tuple[int, dict]]):
    """Yields (url, received): every JSON body posted is appended to ``received`` (with
    its Authorization header) and answered with ``answer(body)``."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length).decode())
            received.append({**body, "authorization": self.headers.get("Authorization")})
            status, reply = answer(body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/send", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_server():
    """Yields (port, received): each accepted message as (mail from, recipients, the
    message's bytes)."""
    received: list[tuple[str, list[str], bytes]] = []

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write((line + "\r\n").encode())

        def handle(self):
            self.reply("220 kewei-test ESMTP")
            sender, recipients = "", []
            while True:
                line = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
                if not line:
                    return
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 kewei-test")
                elif verb == "MAIL":
                    sender = line.split(":", 1)[1].strip().strip("<>")
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    while True:
                        data = self.rfile.readline()
                        if data.rstrip(b"\r\n") == b".":
                            break
                        lines.append(data[1:] if data.startswith(b"..") else data)
                    received.append((sender, recipients, b"".join(lines)))
                    recipients = []
                    self.reply("250 OK queued")
                elif verb == "RSET" or verb == "NOOP":
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("502 not implemented")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()
