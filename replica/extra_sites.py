"""The opt-in extra sites (trs, jpaas, quirks, external) by name, and serving them: one port each, following
the main replica's night. The sites themselves are in trs.py, jpaas.py, quirks.py on the base in extras.py."""
from __future__ import annotations

import json
import time

from . import jpaas, quirks, trs
from .extras import EXTRA_SITES, RESPONSE_DELAY, ExtraSite, Reply
from .replies import send_reply
from .subsite import SubsiteResource


def build_extras(keys, seed: int, night: int, urls: dict[str, str]) -> dict[str, ExtraSite]:
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


def listen_extras(reactor, main_state, keys, host: str = "127.0.0.1", base_port: int = 0,
                  bureau_resource=None) -> dict[str, str]:
    """Listen on one port per extra site (base_port+4… when given); returns {key: base URL}.
    *bureau_resource* makes the main world's bureau site, which ``subsite`` serves under a path prefix."""
    from twisted.web.server import Site

    unknown = set(keys) - set(EXTRA_SITES)
    keys = [k for k in EXTRA_SITES if k in set(keys)]
    if unknown:
        raise ValueError(f"unknown extra site(s): {', '.join(sorted(unknown))}")
    urls: dict[str, str] = {}
    state = ExtrasState(main_state, [k for k in keys if k != "subsite"], urls)
    for i, key in enumerate(keys):
        if key == "subsite":   # the main world's bureau under /jtj/ (subsite.py), not an ExtraSite
            factory = Site(SubsiteResource(bureau_resource(), state))
        else:
            factory = Site(make_resource(state, key))
        factory.noisy = False
        port = reactor.listenTCP(base_port + 4 + i if base_port else 0, factory, interface=host)
        urls[key] = f"http://{host}:{port.getHost().port}"
    return urls
