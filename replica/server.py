"""twisted.web server for the replica: one listening port per site, all in one reactor.

Rendered responses are cached per world (night), so serving never rebuilds the world; switching the night
builds (or reuses) the other world once.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import traceback
from urllib.parse import unquote, quote

from twisted.web.resource import Resource

from . import attachments as ATT
from . import pages as P
from .build import build_world
from .replies import Response, _etag, send_reply
from .world import World

SITE_KEYS = ("bureau", "province", "city", "district")
ART_RE = re.compile(r"^/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$")
COL_RE = re.compile(r"^/col/col(\d+)/(?:index\.html)?$")
FILE_RE = re.compile(r"^([0-9a-f]{32})\.(pdf|xlsx|docx)$")


class ReplicaState:
    """The served world(s). Worlds of nights already visited are kept, with their response caches.

    ``redesign`` (per night switch) serves the bureau's site in its redesigned markup (pages.redesigned_*):
    same world, same URLs, new templates; the manifest then carries ``"redesign": true``.
    """

    def __init__(self, seed: int, scale: float, night: int, redesign: bool = False):
        self.seed, self.scale = seed, scale
        self.worlds: dict[int, World] = {}
        self.caches: dict[tuple[int, bool], dict] = {}
        self.set_night(night, redesign)

    def set_night(self, n: int, redesign: bool = False) -> World:
        if n not in self.worlds:
            self.worlds[n] = build_world(self.seed, self.scale, n)
        key = (n, bool(redesign))
        if key not in self.caches:
            self.caches[key] = {}
        self.night = n
        self.redesign = bool(redesign)
        self.world = self.worlds[n]
        self.cache = self.caches[key]
        return self.world

    def manifest_bytes(self) -> bytes:
        got = self.cache.get("__manifest__")
        if got is None:
            got = json.dumps(manifest_of(self.world, self.redesign), ensure_ascii=False, sort_keys=False).encode("utf-8")
            self.cache["__manifest__"] = got
        return got


def manifest_of(world: World, redesign: bool = False) -> dict:
    """The world's manifest plus, in redesign mode only, ``"redesign": true`` and what changed (a normal
    night's manifest is exactly ``world.manifest()``)."""
    if not redesign:
        return world.manifest()
    m = dict(world.manifest())
    m["redesign"] = True
    if redesign:
        m["redesign_detail"] = {"site": "bureau", "list_records": P.REDESIGN_PERPAGE, "api": P.REDESIGN_API,
                                "article_meta": "moved into a script object; <title> is the site name"}
    return m


def _redesign_time(w: World) -> "dt.datetime":
    return dt.datetime(w.date.year, w.date.month, w.date.day, 0, 40)


class SiteResource(Resource):
    isLeaf = True

    def __init__(self, state: ReplicaState, key: str):
        super().__init__()
        self.state, self.key = state, key

    # ------------------------------------------------------------------ dispatch
    def render(self, request):
        try:
            return self._render(request)
        except Exception:  # pragma: no cover - surfaced to the test log
            traceback.print_exc(file=sys.stderr)
            request.setResponseCode(500)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"internal error"

    def _render(self, request):
        request.setHeader(b"server", b"nginx")
        path = unquote(request.path.decode("latin-1"))
        method = request.method.decode()
        st = self.state
        site = st.world.sites[self.key]
        args = {k.decode("latin-1"): v[-1].decode("utf-8", "replace") for k, v in request.args.items() if v}

        if path == "/__replica__/night":
            if method != "POST":
                return self._send(request, Response(405, "text/plain; charset=utf-8", b"POST only\n",
                                                    extra={"allow": "POST"}))
            try:
                n = int(args.get("n", ""))
                if n < 0:
                    raise ValueError
            except ValueError:
                return self._send(request, Response(400, "text/plain; charset=utf-8", b"n must be an integer >= 0\n"))
            redesign = args.get("redesign", "0").lower() in ("1", "true", "yes", "on")
            w = st.set_night(n, redesign)
            body = json.dumps({"night": w.night, "date": w.date.isoformat(), "redesign": redesign}).encode()
            return self._send(request, Response(200, "application/json; charset=utf-8", body))
        if path == "/__replica__/manifest.json":
            return self._send(request, Response(200, "application/json; charset=utf-8", st.manifest_bytes()))
        redesigned = st.redesign and self.key == "bureau"
        if redesigned and path == P.REDESIGN_API:
            return self._send(request, self._redesign_api(site, args))
        if path == site.dataproxy and not redesigned:
            if method not in ("GET", "POST", "HEAD"):
                return self._send(request, self._not_found())
            return self._send(request, self._dataproxy(site, args))
        if path == "/module/download/downfile.jsp":
            resp = self._download(site, args)
        else:
            ck = (self.key, path)
            resp = st.cache.get(ck)
            if resp is None:
                resp = self._page(site, path)
                st.cache[ck] = resp
        if method not in ("GET", "HEAD") and resp.status != 404:
            resp = Response(405, "text/plain; charset=utf-8", b"method not allowed\n", extra={"allow": "GET, HEAD"})
        return self._send(request, resp)

    # ------------------------------------------------------------------ handlers
    def _not_found(self) -> Response:
        return Response(404, "text/html; charset=UTF-8", P.not_found().encode("utf-8"))

    def _redesign_api(self, site, args) -> Response:
        col = site.by_id.get(args.get("channel", ""))
        if col is None:
            return self._not_found()
        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            return Response(400, "application/json; charset=utf-8", b'{"code": 400}')
        return Response(200, "application/json; charset=utf-8", P.redesign_api_json(site, col, page).encode("utf-8"))

    def _page(self, site, path: str) -> Response:
        w = self.state.world
        redesigned = self.state.redesign and site.key == "bureau"
        if path in ("/", "/index.html"):
            body = P.home(w, site).encode("utf-8")
            return Response(200, "text/html; charset=UTF-8", body, etag=_etag(body))
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", P.ROBOTS.encode())
        m = COL_RE.match(path)
        if m:
            col = site.by_id.get(m.group(1))
            if col is None:
                return self._not_found()
            page = P.redesigned_column_page if redesigned else P.column_page
            body = page(w, site, col).encode("utf-8")
            lm = col.articles[0].last_modified if col.articles else None
            return Response(200, "text/html; charset=UTF-8", body, etag=_etag(body), last_modified=lm)
        if ART_RE.match(path):
            a = w.by_url.get((site.key, path))
            if a is None:
                return self._not_found()
            if redesigned:  # every page was regenerated by the new templates tonight
                body = P.redesigned_article_page(w, site, a).encode("utf-8")
                lm = max(a.last_modified, _redesign_time(w))
                return Response(200, "text/html; charset=UTF-8", body, etag=_etag(body), last_modified=lm)
            html = P.article_page(w, site, a)
            if a.encoding == "gbk":
                body, ctype = html.encode("gbk", errors="xmlcharrefreplace"), "text/html; charset=GBK"
            else:
                body, ctype = html.encode("utf-8"), "text/html; charset=UTF-8"
            return Response(200, ctype, body, etag=_etag(body), last_modified=a.last_modified)
        return self._not_found()

    def _dataproxy(self, site, args) -> Response:
        col = site.by_id.get(args.get("columnid", ""))
        if col is None:
            return self._not_found()
        total = len(col.articles)
        try:
            if "startrecord" in args:
                s = max(1, int(args["startrecord"]))
                e = int(args.get("endrecord", s + 3 * P.PERPAGE - 1))
            else:
                page = max(1, int(args.get("page", "1")))
                s, e = (page - 1) * P.PERPAGE + 1, page * P.PERPAGE
        except ValueError:
            return Response(400, "text/plain; charset=utf-8", b"bad range\n")
        e = min(e, total)
        recs = col.articles[s - 1:e] if s <= e else []
        body = P.datastore_xml(site, col, recs, total, nextgroup=False).encode("utf-8")
        return Response(200, "text/xml; charset=UTF-8", body)

    def _download(self, site, args) -> Response:
        m = FILE_RE.match(args.get("filename", ""))
        if not m:
            return self._not_found()
        got = self.state.world.attachments.get((site.key, m.group(1)))
        if got is None:
            return self._not_found()
        art, att = got
        if att.missing or att.type != m.group(2):
            return self._not_found()
        data = ATT.render(att.fid, att.type, att.spec)
        disp = f'attachment; filename="{att.fid}.{att.type}"; filename*=UTF-8\'\'{quote(att.name)}'
        return Response(200, ATT.MIME[att.type], data, etag=_etag(data), last_modified=art.last_modified,
                        extra={"content-disposition": disp})

    # ------------------------------------------------------------------ output
    def _send(self, request, r: Response) -> bytes:
        return send_reply(request, r)


def serve(seed: int, scale: float, night: int, ports_file: str | None = None, manifest_out: str | None = None,
          base_port: int = 0, parent_pid: int | None = None, host: str = "127.0.0.1", redesign: bool = False,
          extra_sites: tuple[str, ...] = (), tls_sites: tuple[str, ...] = ()) -> None:
    from twisted.internet import reactor
    from twisted.web.server import Site

    unknown = set(tls_sites) - set(SITE_KEYS)
    if unknown:
        raise ValueError(f"unknown TLS site(s): {', '.join(sorted(unknown))} (one of {', '.join(SITE_KEYS)})")
    state = ReplicaState(seed, scale, night, redesign)
    tls = _tls_options(host) if tls_sites else None
    urls = {}
    for i, key in enumerate(SITE_KEYS):
        factory = Site(SiteResource(state, key))
        factory.noisy = False
        if key in tls_sites:  # opt-in: this port speaks TLS only (self-signed, made now); plain HTTP fails
            port = reactor.listenSSL(base_port + i if base_port else 0, factory, tls, interface=host)
            urls[key] = f"https://{host}:{port.getHost().port}"
            continue
        port = reactor.listenTCP(base_port + i if base_port else 0, factory, interface=host)
        urls[key] = f"http://{host}:{port.getHost().port}"
    if extra_sites:  # opt-in extra sites (extras.py): other platforms and failure modes, own ports
        from .extra_sites import listen_extras
        urls.update(listen_extras(reactor, state, extra_sites, host, base_port,
                                  bureau_resource=lambda: SiteResource(state, "bureau")))
    if manifest_out:
        _atomic_write(manifest_out, state.manifest_bytes())
    run_serving(reactor, urls, ports_file, parent_pid)


def run_serving(reactor, urls: dict, ports_file: str | None, parent_pid: int | None) -> None:
    """Publish the ports (ports file, stdout) and serve until stopped, or until the parent process is gone."""
    from twisted.internet import task

    if ports_file:
        _atomic_write(ports_file, json.dumps(urls).encode())
        reactor.addSystemEventTrigger("after", "shutdown", lambda: os.path.exists(ports_file) and os.remove(ports_file))
    print(json.dumps(urls), flush=True)
    if parent_pid:
        def _watch():
            if os.getppid() != parent_pid:
                reactor.stop()
        task.LoopingCall(_watch).start(1.0, now=False)
    reactor.run()


def _tls_options(host: str):
    """Twisted server TLS options with a throw-away self-signed certificate for *host*, generated in
    memory at start-up (nothing is written to disk; clients must not verify it)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from twisted.internet import ssl

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        alt = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ssl.PrivateCertificate.loadPEM(pem).options()


def _atomic_write(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
