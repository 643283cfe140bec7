"""The bureau as a sub-site of a district portal, under a path prefix (opt-in extra site ``subsite``).

    ReplicaServer(seed=1, scale=0.1, extra_sites=("subsite",))   # extra_urls["subsite"] = http://127.0.0.1:P

``/`` is a small portal home linking to the bureau at ``/jtj/``; everything of the bureau's site (home,
``/jtj/col/colN/``, ``/jtj/art/…``, ``/jtj/module/web/jpage/dataproxy.jsp``, downloads) is the main world's
bureau with every root-relative and own-host link moved under ``/jtj/``; the old unprefixed paths answer
404, as they do on a real portal. How real bureaus often sit on a district site.
"""
from __future__ import annotations

import re

from twisted.web.resource import Resource

from .replies import Response, send_reply

PREFIX = "/jtj"
ROBOTS = f"User-agent: *\nDisallow: {PREFIX}/module/search/\n"
_QUOTED_ROOT = re.compile(r"""(["'(=]\s*)/(?=[A-Za-z_])""")
_TEXT_TYPES = (b"text/html", b"text/xml", b"application/json", b"application/xml")


def portal_home() -> str:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>兖州区人民政府</title>'
            '<meta name="SiteName" content="兖州区人民政府"></head><body>'
            '<div class="nav"><a href="/">首页</a><a href="/jtj/">区教育和体育局</a>'
            '<a href="/zwgk/">政务公开</a></div><p>兖州区人民政府门户网站</p></body></html>')


def prefixed(text: str, own: str) -> str:
    """*text* with root-relative (``"/col/…"``) and own-host (``http://h:p/…``) URLs moved under PREFIX."""
    text = text.replace(own + "/", own + PREFIX + "/")
    text = text.replace(own + PREFIX + PREFIX + "/", own + PREFIX + "/")
    return _QUOTED_ROOT.sub(lambda m: m.group(1) + PREFIX + "/", text)


class SubsiteResource(Resource):
    isLeaf = True

    def __init__(self, inner: Resource, extras_state=None):
        super().__init__()
        self.inner = inner   # the main world's bureau site (server.SiteResource), served under PREFIX
        self.extras = extras_state

    def _extras_manifest(self) -> Response:
        import json

        data = self.extras.manifest() if self.extras is not None else {}
        data.setdefault("urls", {})
        return Response(200, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False).encode())

    def render(self, request):
        path = request.path.decode("latin-1")
        if path in ("/", "/index.html"):
            return send_reply(request, Response(200, "text/html; charset=UTF-8", portal_home().encode("utf-8")))
        if path == "/__replica__/extras.json":   # the extras' manifest answers on every extra port
            return send_reply(request, self._extras_manifest())
        if path == "/robots.txt":
            return send_reply(request, Response(200, "text/plain; charset=utf-8", ROBOTS.encode()))
        if path == PREFIX:
            request.setResponseCode(301)
            request.setHeader(b"location", (PREFIX + "/").encode())
            return b""
        if not path.startswith(PREFIX + "/") or path.startswith(PREFIX + "/__replica__"):
            return send_reply(request, Response(404, "text/html; charset=UTF-8", b"<h1>404 Not Found</h1>"))
        request.path = request.path[len(PREFIX):]
        body = self.inner.render(request)
        ctype = request.responseHeaders.getRawHeaders(b"content-type", [b""])[0].lower()
        if body and any(t in ctype for t in _TEXT_TYPES):
            charset = "gbk" if b"gbk" in ctype else "utf-8"
            host = (request.getHeader(b"host") or b"").decode("latin-1")
            text = prefixed(body.decode(charset, "replace"), f"http://{host}")
            body = text.encode(charset, errors="xmlcharrefreplace")
        return body
