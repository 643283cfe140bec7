"""Opt-in extra replica sites: other platforms and the failure modes real sites show.

    ReplicaServer(seed=1, scale=0.1, extra_sites=("trs", "jpaas", "quirks", "external"))

The default four-site world (world.py), its pages and its manifest are untouched: each extra site is
served on its own extra port only when asked for, and describes itself in a separate manifest
(``GET /__replica__/extras.json`` on any extra port; ``ReplicaServer.extras``).

| key      | what it serves                                                                                   |
|----------|--------------------------------------------------------------------------------------------------|
| trs      | a TRS WCM site: ``createPageHTML`` lists, ``index_N.html``, ``./YYYYMM/t….html`` articles, ``./P0…`` attachments, ``.TRS_Editor`` bodies, names only in the breadcrumb, a GB2312 column, a blank column, body links (internal, external, broken, robots-disallowed) |
| jpaas    | a Hanweb JPaaS column: the list comes from ``build/unit`` JSON with ``paramJson`` paging, parameters in ``queryData``; a blank JPaaS column |
| quirks   | JCMS GET-page-style dataproxy, the ``?uid=…&pageNum=N`` static variant, generic ``?page=N`` and ``index_N.html`` lists, and the failure modes: HTTP 412 (WAF), a JavaScript shell, an empty dataproxy answer, a column that always fails (503) |
| external | "another site": ``/ok.html`` 200, ``/gone.html`` 404, ``/nohead.html`` (HEAD → 405, GET → 200) |

Nights follow the main world's night (``set_night``): night k ≥ 1 adds one item per night to the TRS
通知公告 column and to the JPaaS column; from night 1 two TRS articles *leave their list* while their pages
still answer 200 (one recent, one deep in an old column).

Every extra port records what it was asked (``GET /__replica__/requests.json``: method, path, User-Agent,
and the most requests it had in flight at once — responses are delayed a little so that overlapping
requests can be seen).
"""
from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from html import escape

from .server import _etag, _http_date, send_reply

EXTRA_SITES = ("trs", "jpaas", "quirks", "external", "subsite")   # subsite: subsite.py
RESPONSE_DELAY = 0.004        # seconds every extra-site answer waits (lets concurrency be observed)


def _e(s) -> str:
    return escape(str(s), quote=True)


etag_of = _etag          # one definition of validators and replies for every replica site
http_date = _http_date


@dataclass
class Reply:
    status: int
    ctype: str
    body: bytes
    etag: str | None = None
    last_modified: dt.datetime | None = None
    extra: dict = field(default_factory=dict)


def html_reply(text: str, status: int = 200, *, encoding: str = "utf-8", label: str | None = None,
               last_modified: dt.datetime | None = None, validators: bool = True) -> Reply:
    body = text.encode(encoding, errors="xmlcharrefreplace")
    return Reply(status, f"text/html; charset={label or encoding.upper()}", body,
                 etag=etag_of(body) if validators and status == 200 else None,
                 last_modified=last_modified if status == 200 else None)


def not_found() -> Reply:
    return html_reply('<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head>'
                      '<body><h1>404 Not Found</h1></body></html>', 404, validators=False)


@dataclass
class XAttachment:
    url: str                 # site-relative absolute path
    href: str                # as written in the page (may be relative)
    name: str
    type: str
    spec: dict
    fid: str


@dataclass
class XArticle:
    site: str
    column: str
    id: int
    url: str                 # site-relative path
    href: str                # as written in list pages (may be relative)
    title: str
    published: dt.date
    time: str
    publisher: str
    paras: list
    attachments: list = field(default_factory=list)
    links: list = field(default_factory=list)       # (href as written, text)
    encoding: str = "utf-8"
    listed: bool = True      # False: left its list, page still answers 200
    night_added: int = 0

    @property
    def pubdate(self) -> str:
        return f"{self.published.isoformat()} {self.time}"

    @property
    def last_modified(self) -> dt.datetime:
        h, m = map(int, self.time.split(":"))
        return dt.datetime(self.published.year, self.published.month, self.published.day, h, m) - dt.timedelta(hours=8)


@dataclass
class XColumn:
    id: str
    name: str
    url: str                 # site-relative
    platform: str            # trs | jpaas | jcms | generic | none
    state: str               # the state a faithful crawler must report: normal | blank | unverifiable
    articles: list = field(default_factory=list)     # every article ever (newest first), incl. unlisted
    reason: str | None = None
    per_page: int = 15

    @property
    def listed(self) -> list:
        return [a for a in self.articles if a.listed]


def rng_for(seed: int, *key) -> random.Random:
    return random.Random(":".join(str(k) for k in (seed,) + key))


def rand_time(rng: random.Random) -> str:
    return f"{rng.choice([8, 9, 10, 11, 14, 15, 16, 17]):02d}:{rng.randint(0, 59):02d}"


def dates_between(rng: random.Random, n: int, lo: dt.date, hi: dt.date) -> list[dt.date]:
    """n dates in [lo, hi], newest first; the newest is hi."""
    span = (hi - lo).days
    out = sorted((lo + dt.timedelta(days=rng.randint(0, span)) for _ in range(n - 1)), reverse=True)
    return [hi] + out


def unique_titles(rng: random.Random, make, n: int) -> list[str]:
    seen, out = set(), []
    for i in range(n):
        t = None
        for _ in range(12):
            t = make(rng, i)
            if t not in seen:
                break
        if t in seen:
            t = f"{t}（{i + 1}）"
        seen.add(t)
        out.append(t)
    return out


class ExtraSite:
    """One extra site: ``reply(method, path, args, headers)`` answers a request, ``manifest()`` describes it."""

    key = "extra"
    name = ""

    def __init__(self, seed: int, night: int, urls: dict[str, str]):
        self.seed, self.night, self.urls = seed, night, urls
        self.date = dt.date(2020, 12, 31) + dt.timedelta(days=night)
        self.columns: list[XColumn] = []
        self.cache: dict[str, Reply] = {}

    @property
    def articles(self) -> list[XArticle]:
        return [a for c in self.columns for a in c.articles]

    def reply(self, method: str, path: str, args: dict, headers: dict) -> Reply:
        raise NotImplementedError

    def robots(self) -> Reply:
        return Reply(200, "text/plain; charset=utf-8", b"User-agent: *\nDisallow: /private/\n")

    def manifest(self) -> dict:
        return {
            "name": self.name,
            "columns": [{"id": c.id, "name": c.name, "url": c.url, "platform": c.platform, "state": c.state,
                         "reason": c.reason, "count": len(c.listed),
                         "last_item_date": c.listed[0].published.isoformat() if c.listed else None}
                        for c in self.columns],
            "documents": [{"url": a.url, "column": a.column, "title": a.title,
                           "published": a.published.isoformat(), "publisher": a.publisher,
                           "encoding": a.encoding, "listed": a.listed, "night_added": a.night_added,
                           "attachments": [{"url": t.url, "name": t.name, "type": t.type} for t in a.attachments]}
                          for c in self.columns for a in c.articles],
            "links": self.expected_links(),
        }

    def expected_links(self) -> list[dict]:
        return []


def build_extras(keys, seed: int, night: int, urls: dict[str, str]) -> dict[str, ExtraSite]:
    from . import jpaas, quirks, trs

    makers = {"trs": trs.TrsSite, "jpaas": jpaas.JpaasSite, "quirks": quirks.QuirksSite,
              "external": quirks.ExternalSite}
    return {k: makers[k](seed, night, urls) for k in keys}


# ------------------------------------------------------------------------------------------ serving

class ExtrasState:
    """Extra sites of every night visited, following the main ReplicaState's night."""

    def __init__(self, main_state, keys, urls: dict[str, str]):
        self.main, self.keys, self.urls = main_state, tuple(keys), urls
        self.worlds: dict[int, dict[str, ExtraSite]] = {}
        self.requests: dict[str, list] = {k: [] for k in self.keys}
        self.in_flight: dict[str, int] = {k: 0 for k in self.keys}
        self.max_in_flight: dict[str, int] = {k: 0 for k in self.keys}

    def sites(self) -> dict[str, ExtraSite]:
        n = self.main.night
        if n not in self.worlds:
            self.worlds[n] = build_extras(self.keys, self.main.seed, n, self.urls)
        return self.worlds[n]

    def manifest(self) -> dict:
        sites = self.sites()
        return {"night": self.main.night, "urls": {k: self.urls[k] for k in self.keys},
                "sites": {k: s.manifest() for k, s in sites.items()}}


def make_resource(state: ExtrasState, key: str):
    from twisted.internet import reactor
    from twisted.web.resource import Resource
    from twisted.web.server import NOT_DONE_YET
    from urllib.parse import unquote

    class ExtraResource(Resource):
        isLeaf = True

        def render(self, request):
            path = unquote(request.path.decode("latin-1"))
            method = request.method.decode()
            if path == "/__replica__/extras.json":
                return self._write(request, Reply(200, "application/json; charset=utf-8",
                                                  json.dumps(state.manifest(), ensure_ascii=False).encode()))
            if path == "/__replica__/requests.json":
                data = {"requests": state.requests[key], "max_in_flight": state.max_in_flight[key]}
                return self._write(request, Reply(200, "application/json; charset=utf-8",
                                                  json.dumps(data, ensure_ascii=False).encode()))
            ua = (request.getHeader(b"user-agent") or b"").decode("latin-1")
            record = {"method": method, "path": request.uri.decode("latin-1"), "ua": ua,
                      "start": round(time.monotonic(), 4), "end": None}
            state.requests[key].append(record)
            state.in_flight[key] += 1
            state.max_in_flight[key] = max(state.max_in_flight[key], state.in_flight[key])
            args = {k.decode("latin-1"): v[-1].decode("utf-8", "replace") for k, v in request.args.items() if v}
            headers = {k.decode("latin-1").lower(): v[-1].decode("latin-1")
                       for k, v in request.requestHeaders.getAllRawHeaders()}
            try:
                reply = state.sites()[key].reply(method, path, args, headers)
            except Exception:  # pragma: no cover - surfaced in the server log
                import traceback
                traceback.print_exc()
                reply = Reply(500, "text/plain; charset=utf-8", b"internal error")

            def finish():
                state.in_flight[key] -= 1
                record["end"] = round(time.monotonic(), 4)
                try:
                    body = self._write(request, reply)
                    if body and method != "HEAD":
                        request.write(body)
                    request.finish()
                except Exception:  # the client went away
                    pass

            reactor.callLater(RESPONSE_DELAY, finish)
            return NOT_DONE_YET

        @staticmethod
        def _write(request, r: Reply) -> bytes:
            request.setHeader(b"server", b"nginx")
            body = send_reply(request, r)
            if body:
                request.setHeader(b"content-length", str(len(body)).encode())
            return body

    return ExtraResource()


def listen_extras(reactor, main_state, keys, host: str = "127.0.0.1", base_port: int = 0) -> dict[str, str]:
    """Listen on one port per extra site (base_port+4… when given); returns {key: base URL}."""
    from twisted.web.server import Site

    unknown = set(keys) - set(EXTRA_SITES)
    keys = [k for k in EXTRA_SITES if k in set(keys)]
    if unknown:
        raise ValueError(f"unknown extra site(s): {', '.join(sorted(unknown))}")
    urls: dict[str, str] = {}
    state = ExtrasState(main_state, [k for k in keys if k != "subsite"], urls)
    for i, key in enumerate(keys):
        if key == "subsite":   # the main world's bureau under /jtj/ (subsite.py), not an ExtraSite
            from .subsite import SubsiteResource
            factory = Site(SubsiteResource(main_state, state))
        else:
            factory = Site(make_resource(state, key))
        factory.noisy = False
        port = reactor.listenTCP(base_port + 4 + i if base_port else 0, factory, interface=host)
        urls[key] = f"http://{host}:{port.getHost().port}"
    return urls
