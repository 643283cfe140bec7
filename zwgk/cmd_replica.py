"""`zwgk replica …`: serve the replica sites or write their manifest (same as `python -m replica`)."""
from __future__ import annotations

import json

import click


@click.group()
def replica():
    """Deterministic replica of the bureau's site and the three upper-level columns (demo / test / benchmark)."""


def _world_options(f):
    f = click.option("--redesign", is_flag=True, help="The bureau site in its redesigned markup (new list and article templates).")(f)
    f = click.option("--night", type=int, default=0, show_default=True, help="0 = 2020-12-31, 1 = 2021-01-01, …")(f)
    f = click.option("--scale", type=float, default=1.0, show_default=True, help="Multiplies ordinary items.")(f)
    f = click.option("--seed", type=int, default=1, show_default=True)(f)
    return f


@replica.command()
@_world_options
@click.option("--ports-file", type=click.Path(dir_okay=False), help="Write {site: base URL} JSON once listening.")
@click.option("--manifest-out", type=click.Path(dir_okay=False), help="Write the served night's manifest.")
@click.option("--base-port", type=int, default=0, help="Ports base..base+3 (bureau, province, city, district); 0 = free ports.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--extra-sites", default="", metavar="LIST",
              help="Opt-in extra sites, comma-separated: trs, jpaas, quirks (failure modes), external.")
def serve(seed, scale, night, redesign, ports_file, manifest_out, base_port, host, extra_sites):
    """Serve the four sites (one port each) until interrupted."""
    from replica.server import serve as _serve  # deferred: Twisted and the replica load only for this command
    extras = tuple(x.strip() for x in extra_sites.split(",") if x.strip())
    _serve(seed, scale, night, ports_file, manifest_out, base_port, None, host, redesign=redesign,
           extra_sites=extras)


@replica.command()
@_world_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True)
def manifest(seed, scale, night, redesign, output):
    """Write the ground-truth manifest (documents, planted defects, night changes) as JSON."""
    from replica.server import manifest_of  # deferred: Twisted and the replica load only for this command
    from replica import build_world  # deferred: the replica loads only for this command
    data = json.dumps(manifest_of(build_world(seed, scale, night), redesign), ensure_ascii=False, indent=1)
    with click.open_file(output, "w", encoding="utf-8") as f:
        f.write(data + "\n")
