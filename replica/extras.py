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
import random
from dataclasses import dataclass, field
from html import escape

from .replies import _etag, _http_date

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
