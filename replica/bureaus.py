"""Several bureaus' sub-sites at once: N bureau sites on N ports (N hosts), each its own world.

    python -m replica.bureaus --count 8 --seed 1 --scale 0.1 --ports-file ports.json

Bureau i is the bureau site of the world with seed ``seed + i`` (so every bureau has other columns,
documents and planted defects). Each port counts what it is asked: ``GET /__replica__/requests.json``
answers ``{"requests": [{method, path, body, start, end}], "max_in_flight": n}`` — the politeness test's
measure. Every answer is held ``--delay`` seconds (default 0.02) so that concurrent requests really
overlap; ``POST /__replica__/night?n=N`` on any port switches all of them to night N.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from .server import ReplicaState, SiteResource, run_serving


class CountingBureau:
    """One bureau sub-site: the ordinary site resource, answered after a delay, with its request log."""

    def __init__(self, state: ReplicaState, delay: float):
        self.state, self.delay = state, delay
        self.inner = SiteResource(state, "bureau")
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def resource(self, all_states):
        from twisted.internet import reactor
        from twisted.web.resource import Resource
        from twisted.web.server import NOT_DONE_YET

        site = self

        class Counting(Resource):
            isLeaf = True

            def render(self, request):
                path = request.path.decode("latin-1")
                if path == "/__replica__/requests.json":
                    request.setHeader(b"content-type", b"application/json")
                    return json.dumps({"requests": site.requests, "max_in_flight": site.max_in_flight}).encode()
                if path == "/__replica__/night" and request.method == b"POST":
                    args = {k.decode(): v[-1].decode() for k, v in request.args.items()}
                    for st in all_states:
                        st.set_night(int(args.get("n", "0")))
                    site.requests.clear()
                    site.max_in_flight = 0
                    request.setHeader(b"content-type", b"application/json")
                    return json.dumps({"night": int(args.get("n", "0"))}).encode()
                body_in = ""
                if request.content is not None:
                    request.content.seek(0)
                    body_in = request.content.read().decode("latin-1")
                    request.content.seek(0)
                record = {"method": request.method.decode(), "path": request.uri.decode("latin-1"),
                          "body": body_in, "start": round(time.monotonic(), 4), "end": None}
                site.requests.append(record)
                site.in_flight += 1
                site.max_in_flight = max(site.max_in_flight, site.in_flight)
                body = site.inner.render(request)

                def finish():
                    site.in_flight -= 1
                    record["end"] = round(time.monotonic(), 4)
                    try:
                        request.setHeader(b"content-length", str(len(body)).encode())
                        if body and request.method != b"HEAD":
                            request.write(body)
                        request.finish()
                    except Exception:   # the client went away
                        pass

                reactor.callLater(site.delay, finish)
                return NOT_DONE_YET

        return Counting()


def serve(count: int, seed: int, scale: float, night: int, delay: float, ports_file: str | None,
          parent_pid: int | None, host: str = "127.0.0.1") -> None:
    from twisted.internet import reactor
    from twisted.web.server import Site

    states = [ReplicaState(seed + i, scale, night) for i in range(count)]
    urls = {}
    for i, st in enumerate(states):
        bureau = CountingBureau(st, delay)
        factory = Site(bureau.resource(states))
        factory.noisy = False
        port = reactor.listenTCP(0, factory, interface=host)
        urls[f"b{i + 1:02d}"] = f"http://{host}:{port.getHost().port}"
    run_serving(reactor, urls, ports_file, parent_pid)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m replica.bureaus", description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--night", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0.02, help="seconds each answer is held")
    ap.add_argument("--ports-file")
    ap.add_argument("--parent-pid", type=int)
    a = ap.parse_args(argv)
    serve(a.count, a.seed, a.scale, a.night, a.delay, a.ports_file, a.parent_pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
