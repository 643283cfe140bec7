"""A pass-through HTTP front on 127.0.0.1 before one site of the replica: it records every request and can
hold chosen paths until the test releases them.

    front = SiteFront("http://127.0.0.1:PORT")      # front.url: configure this as the site's base_url
    front.hold({"/art/…/art_1_2.html"})           # those requests wait (the crawl cannot finish) …
    front.held                                      # … the paths waiting now
    front.release()                                 # … until released; then forwarded as any other
    front.take()                                    # [(method, path)] asked since the last take()

Every request is forwarded unchanged, its Host header too, so pages that build absolute links from the
Host they were asked on (the replica's sub-site) point at the front.
"""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}
HOLD_SECONDS = 80   # longest hold: below a crawl's download timeout with its retries (30 s × 3)


class SiteFront:
    def __init__(self, upstream: str):
        self.upstream = upstream.split("://", 1)[1]
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.holding: set[str] = set()
        self.held: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with front.lock:
                    front.log.append((self.command, self.path))
                    hold = self.path in front.holding and not front.gate.is_set()
                    if hold:
                        front.held.add(self.path)
                if hold:
                    front.gate.wait(HOLD_SECONDS)
                    with front.lock:
                        front.held.discard(self.path)
                conn = http.client.HTTPConnection(front.upstream, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body,
                                 headers={k: v for k, v in self.headers.items() if k.lower() not in _HOP})
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                try:
                    self.send_response(resp.status)
                    for k, v in resp.getheaders():
                        if k.lower() not in _HOP and k.lower() != "content-length":
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):   # a killed crawl's request
                    self.close_connection = True

            do_GET = do_HEAD = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hold(self, paths) -> None:
        with self.lock:
            self.holding = set(paths)
            self.gate.clear()

    def release(self) -> None:
        with self.lock:
            self.holding = set()
            self.gate.set()

    def take(self) -> list[tuple[str, str]]:
        with self.lock:
            out, self.log = self.log, []
        return out

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
