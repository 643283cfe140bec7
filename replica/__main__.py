"""CLI: `python -m replica serve|manifest …` (see docs/contracts.md §1)."""
from __future__ import annotations

import argparse
import json
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m replica", description="deterministic replica sites")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--scale", type=float, default=1.0)
        p.add_argument("--night", type=int, default=0)

    s = sub.add_parser("serve", help="serve the four sites on 127.0.0.1 (one port each)")
    common(s)
    s.add_argument("--ports-file", help="write {site: base url} JSON here once listening")
    s.add_argument("--manifest-out", help="write the served night's manifest here before listening is announced")
    s.add_argument("--base-port", type=int, default=0, help="use base..base+3 instead of free ports")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--parent-pid", type=int, default=None, help="exit when this process is no longer the parent")
    s.add_argument("--redesign", action="store_true", help="serve the bureau site in its redesigned markup")
    s.add_argument("--extra-sites", default="", help="comma-separated opt-in extra sites: trs,jpaas,quirks,external")
    s.add_argument("--tls-sites", default="", help="comma-separated sites (of the four) served over TLS only, "
                   "with a self-signed certificate made at start-up; their URLs are https://")

    m = sub.add_parser("manifest", help="write the ground-truth manifest")
    common(m)
    m.add_argument("-o", "--output", default="-", help="file (default: stdout)")
    m.add_argument("--redesign", action="store_true", help="the manifest of the redesigned site (same documents)")

    a = ap.parse_args(argv)
    if a.cmd == "serve":
        from .server import serve
        serve(a.seed, a.scale, a.night, a.ports_file, a.manifest_out, a.base_port, a.parent_pid, a.host,
              redesign=a.redesign, extra_sites=tuple(x for x in a.extra_sites.split(",") if x),
              tls_sites=tuple(x for x in a.tls_sites.split(",") if x))
        return 0
    from .server import manifest_of
    from .build import build_world
    data = json.dumps(manifest_of(build_world(a.seed, a.scale, a.night), a.redesign), ensure_ascii=False, indent=1)
    if a.output == "-":
        sys.stdout.write(data + "\n")
    else:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(data + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
