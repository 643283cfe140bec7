"""A fault server on 127.0.0.1 for the reliability tests: every way a site can misbehave, on purpose.

``FaultServer(routes)`` serves a dict ``path -> reply``; a reply is a callable ``reply(handler)`` made by
the helpers below (``page``, ``status``, ``hang``, ``reset``, ``truncated``, ``redirect``, ``flaky``,
``big``, ``endless_list`` …). Paths not in the dict answer 404. ``hits[path]`` counts requests per path
(query included), so a test can assert what was — and was not — requested.
"""
from __future__ import annotations

import io
import socket
import struct
import threading
import time
import zipfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Reply = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault/1"

    def log_message(self, *args):   # quiet
        pass

    def _serve(self):
        srv: "FaultServer" = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        if length:   # a POST's form: read it, or the next request on this connection is garbage
            self.rfile.read(length)
        with srv.lock:
            srv.hits[self.path] += 1
            srv.log.append((self.command, self.path))
        reply = srv.routes.get(self.path) or srv.routes.get(self.path.split("?", 1)[0])
        if reply is None:
            for prefix, r in srv.prefixes.items():
                if self.path.startswith(prefix):
                    reply = r
                    break
        if reply is None:
            reply = status(404)
        try:
            reply(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = _serve
    do_HEAD = _serve
    do_POST = _serve


class FaultServer:
    def __init__(self, routes: dict[str, Reply] | None = None, prefixes: dict[str, Reply] | None = None,
                 host: str = "127.0.0.1"):
        self.routes = dict(routes or {})
        self.prefixes = dict(prefixes or {})
        self.hits: Counter = Counter()
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def __enter__(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def total(self) -> int:
        return sum(self.hits.values())


# --- replies -------------------------------------------------------------------------------------------

def _send(h, code: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None):
    h.send_response(code)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def page(html: str | bytes, ctype: str = "text/html; charset=utf-8", code: int = 200) -> Reply:
    body = html.encode("utf-8") if isinstance(html, str) else html
    return lambda h: _send(h, code, body, ctype)


def status(code: int, body: str = "") -> Reply:
    return lambda h: _send(h, code, (body or f"<html><body>HTTP {code}</body></html>").encode())


def hang(seconds: float = 60) -> Reply:
    def reply(h):
        time.sleep(seconds)
        h.close_connection = True
    return reply


def reset() -> Reply:
    """Close the connection with a TCP RST before answering."""
    def reply(h):
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()
    return reply


def truncated(html: str, claim: int | None = None) -> Reply:
    body = html.encode("utf-8")

    def reply(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(claim or len(body) * 4))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
    return reply


def redirect(location: str, code: int = 302) -> Reply:
    return lambda h: _send(h, code, b"", headers={"Location": location})


def flaky(failures: int, then: Reply, fail: Reply | None = None) -> Reply:
    """The first *failures* requests fail (a reset by default), later ones get *then*."""
    count = {"n": 0}
    lock = threading.Lock()
    fail = fail or reset()

    def reply(h):
        with lock:
            count["n"] += 1
            n = count["n"]
        (fail if n <= failures else then)(h)
    return reply


def big(size: int) -> Reply:
    """A *size*-byte HTML page, streamed."""
    def reply(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        if h.command == "HEAD":
            return
        chunk = b"<p>" + "填充".encode() * 4000 + b"</p>\n"
        sent = 0
        while sent < size:
            part = chunk[: size - sent]
            h.wfile.write(part)
            sent += len(part)
    return reply


# --- content ----------------------------------------------------------------------------------------

def article_html(title: str, date: str, body: str = "", extra: str = "", head: str = "") -> str:
    return (f"<html><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head><body><h1>{title}</h1>"
            f"<div class=\"info\">发布日期：{date}</div><div class=\"content\"><p>{body or title}{extra}</p></div>"
            "</body></html>")


def list_html(entries: list[tuple[str, str, str]], next_url: str | None = None, title: str = "栏目") -> str:
    """A generic list page: ``<li><a href=URL>TITLE</a> DATE</li>`` and an optional 下一页 link."""
    lis = "".join(f"<li><a href=\"{u}\" title=\"{t}\">{t}</a><span>{d}</span></li>" for u, t, d in entries)
    nxt = f"<a href=\"{next_url}\">下一页</a>" if next_url else ""
    return f"<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><ul>{lis}</ul>{nxt}</body></html>"


def endless_list() -> Reply:
    """Every ``/col/endless/index_N.html`` lists a new article and links page N+1: a list without end."""
    def reply(h):
        path = h.path.split("?", 1)[0]
        n = int(path.rsplit("_", 1)[1].split(".")[0]) if "_" in path.rsplit("/", 1)[1] else 1
        html = list_html([(f"/art/2020/1/1/art_7_{n}.html", f"无尽列表第{n}条", "2020-01-01")],
                         next_url=f"/col/endless/index_{n + 1}.html")
        _send(h, 200, html.encode())
    return reply


def jcms_column(column_id: str, records: list[tuple[str, str, str]], total: int) -> str:
    """A Hanweb JCMS column page: the first records in the datastore, dataproxy.jsp named for the rest."""
    recs = "".join(f"<record><![CDATA[<li><a href=\"{u}\">{t}</a><span>{d}</span></li>]]></record>"
                   for u, t, d in records)
    return ("<html><head><meta charset=\"utf-8\"><title>栏目</title></head><body><div id=\"list\">"
            "<script type=\"text/xml\"><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?"
            f"page=1&webid=1&path=/&columnid={column_id}&unitid=1&webname=x&permissiontype=0\"></a>]]></nextgroup>"
            f"<recordset>{recs}</recordset></datastore></script></div>"
            f"<script>var totalRecord = {total};</script></body></html>")


def jcms_proxy(records_for: Callable[[int], list[tuple[str, str, str]]], total: int) -> Reply:
    """dataproxy.jsp: answer call n (1, 2, …) with records_for(n), always claiming *total* records."""
    calls = {"n": 0}
    lock = threading.Lock()

    def reply(h):
        with lock:
            calls["n"] += 1
            n = calls["n"]
        recs = "".join(f"<record><![CDATA[<li><a href=\"{u}\">{t}</a><span>{d}</span></li>]]></record>"
                       for u, t, d in records_for(n))
        body = f"<datastore><totalrecord>{total}</totalrecord><recordset>{recs}</recordset></datastore>"
        _send(h, 200, body.encode(), "text/xml; charset=utf-8")
    return reply


def zip_bomb_docx(inflated: int = 1 << 30, *, paragraphs: bool = False) -> bytes:
    """A .docx whose word/document.xml inflates to *inflated* bytes (≤ 4 GiB): built by repeating one
    deflate block (full flush resets the compressor, so every 1 MiB of input compresses to the same
    bytes), in well under a second — a real zip file, as zipfile and python-docx see it. *paragraphs*:
    millions of one-letter paragraphs (a parser's memory and CPU), else one endless text node."""
    import zlib

    head = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
            b'2006/main"><w:body>')
    tail = b"</w:body></w:document>"
    para = b"<w:p><w:r><w:t>A</w:t></w:r></w:p>"
    if paragraphs:
        block = para * ((1 << 20) // len(para))
        block += b" " * ((1 << 20) - len(block))
    else:
        head, tail = head + b"<w:p><w:r><w:t>", b"</w:t></w:r></w:p>" + tail
        block = b"A" * (1 << 20)
    n = max(1, (inflated - len(head) - len(tail)) >> 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    rep = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    last = co.compress(tail) + co.flush()
    data = first + rep * n + last
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + n * len(block) + len(tail)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:   # the small parts the normal way
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        info = zipfile.ZipInfo("word/document.xml", (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.CRC, info.compress_size, info.file_size = crc, len(data), size
        info.header_offset = z.fp.tell()
        z.fp.write(info.FileHeader(zip64=False))
        z.fp.write(data)
        z.start_dir = z.fp.tell()
        z.filelist.append(info)
        z.NameToInfo[info.filename] = info
    return out.getvalue()


def site_config(path, url: str, columns: list[dict], *, extra_sites: dict[str, str] | None = None,
                crawl: dict | None = None) -> str:
    """A zwgk config with the fault server as the bureau site (generic platform, these columns)."""
    lines = ["contact: zwgk-test@example.org", "paths: {data: var}", "sites:", "  bureau:",
             "    name: 济宁市兖州区教育和体育局", f"    base_url: {url}", "    platform: generic", "    columns:"]
    for c in columns:
        lines.append(f"      - {{id: \"{c['id']}\", name: \"{c.get('name', c['id'])}\", url: \"{c['url']}\"}}")
    for key, u in (extra_sites or {}).items():
        lines += [f"  {key}:", f"    name: {key}", f"    base_url: {u}", "    platform: generic"]
    settings = {"concurrency_per_host": 4, "download_delay": 0, "autothrottle": "false", "obey_robots": "true",
                "recheck_days": 0, **(crawl or {})}
    # the shipped units (nightly checks the default plan's units against them before crawling), with
    # test addresses for the two that tests read mail of
    import json
    from pathlib import Path as _Path

    import yaml

    shipped = _Path(__file__).resolve().parents[2] / "config" / "production.yaml"
    units = yaml.safe_load(shipped.read_text(encoding="utf-8"))["units"]
    mails = {"办公室": ["office@example.org"], "计财科": ["cwk@example.org"]}
    units = [{**u, "email": mails.get(u["name"], [])} for u in units]
    lines += ["units: " + json.dumps(units, ensure_ascii=False), "crawl:"] + [f"  {k}: {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)
