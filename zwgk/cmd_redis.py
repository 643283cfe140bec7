"""`zwgk crawl --redis URL` (a crawl worker) and `zwgk ingest --redis URL` (the single writer)."""
from __future__ import annotations

import json
import sys

import click

from crawler.bureaus import crawl_units, load_district
from crawler.config import ConfigError
from crawler.ingest import ingest as run_ingest
from crawler.redisconn import connect   # a short Redis outage is waited for

from .app import AppContext, pass_app
from .bureau_context import DistrictContext


def _district(app: AppContext):
    if app.config_path is None:
        raise ConfigError("zwgk.yaml", None, "(file)", "no configuration: pass --config PATH or set ZWGK_CONFIG")
    if isinstance(app, DistrictContext):   # the command line read it already (the whole district)
        return app.district
    return load_district(app.config_path)


def _stores(app: AppContext, district) -> dict:
    return {key: district.db_path(key, default=app.db_path if district.single else None)
            for key in district.bureaus}


def _redis_error(e: Exception) -> None:
    click.echo(f"zwgk: Redis: {type(e).__name__}: {e}", err=True)
    sys.exit(1)


def redis_worker(app: AppContext, redis_url, sites, log_level, log_file, as_json, overrides, columns=()) -> None:
    from spiders.distributed import run_worker   # deferred: Scrapy, Twisted and scrapy-redis load only to crawl

    if columns:
        # workers share one queue per site: a column filter of one worker would make the night's result
        # depend on which worker took the seed, so the night chooses its columns when it opens
        click.echo(f"zwgk crawl: --column cannot be used with --redis (the workers share one queue); choose "
                   f"the night's columns where it opens: zwgk ingest --redis {redis_url} --column "
                   f"{' --column '.join(columns)}", err=True)
        sys.exit(2)
    district = _district(app)
    units = crawl_units(district, sites or None)
    try:
        stats = run_worker(units, redis_url, log_level=log_level, log_file=log_file, overrides=overrides)
    except Exception as e:
        if type(e).__module__.startswith("redis"):
            _redis_error(e)
        raise
    if as_json:
        click.echo(json.dumps({"units": stats}, ensure_ascii=False))
    else:
        for uid, s in stats.items():
            click.echo(f"{uid:<28} requests {s.get('requests', 0):>6}  finish {s.get('finish_reason')}")
    sys.exit(0)


@click.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The Redis the workers crawl on.")
@click.option("--no-follow", is_flag=True, help="Only write the items waiting now, then exit (no night is opened).")
@click.option("--timeout", type=float, default=None, metavar="SECONDS",
              help="Give up (exit 1) when the night is not done after this long.")
@click.option("--column", "columns", multiple=True, metavar="ID",
              help="Only this column id tonight (repeatable): chosen when the night opens, for every worker.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def ingest(app: AppContext, redis_url, no_follow, timeout, columns, as_json):
    """Store what the Redis crawl workers crawl: the one writer of the SQLite store(s).

    Opens the night on Redis (or joins the running one): publishes what each store knows and seeds
    every site; then writes every crawled item, idempotently, until no request is queued or in
    flight on any worker, has the workers check the links nobody fetched, and records a crawl run in
    each store (a killed ingest's run is carried on or closed as failed). Exit 0 when the night is
    done, 1 when it failed (a site unreachable) or timed out, 2 on a configuration error.
    """
    district = _district(app)
    units = crawl_units(district)
    try:
        r = connect(redis_url)
        r.ping()
        result = run_ingest(r, district, units, _stores(app, district), follow=not no_follow,
                            max_seconds=timeout, columns=list(columns) or None)
    except Exception as e:
        if type(e).__module__.startswith("redis"):
            _redis_error(e)
        raise
    if as_json:
        click.echo(json.dumps({"items": result.items, "status": result.status, "runs": result.runs,
                               "stores": result.per_store, "problems": result.problems}, ensure_ascii=False))
    else:
        click.echo(f"ingest: {result.items} items, {result.status}")
        for bureau, sites in result.per_store.items():
            for site, counts in sites.items():
                label = f"{bureau}/{site}" if bureau else site
                click.echo(f"  {label:<20} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for p in result.problems:
        click.echo(f"zwgk ingest: {p}", err=True)
    sys.exit(0 if result.status == "ok" else 1)
