"""The `zwgk` command line.

The group here holds the global options (--db, --config); each package contributes its own commands
module here (cmd_crawl.py, cmd_rules.py, cmd_reports.py …), registered in COMMAND_MODULES and imported
by name when one of its commands runs (or `zwgk --help` lists them all): a crawl worker or an ingest does
not import the rules, reports and mail modules (≈ 0.2 CPU s per process).
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from crawler.config import ConfigError
from crawler.search import search as ranked_search
from crawler.store import StoreError
from crawler.vocabulary import SITE_LABELS

from .app import AppContext, pass_app
from .bureau_context import BadBureau, NeedsOneBureau, hoist_bureau, is_district_context, make_app

# module path -> names of click commands/groups it defines
COMMAND_MODULES = {
    "zwgk.cmd_crawl": ("crawl", "extract", "sites"),
    "zwgk.cmd_redis": ("ingest",),
    "zwgk.cmd_rules": ("plan", "check", "attest", "db"),
    "zwgk.cmd_reports": ("report", "mail", "browse"),
    "zwgk.demo": ("demo",),
    "zwgk.cmd_replica": ("replica",),
    "zwgk.nightly": ("nightly",),
    "zwgk.status": ("status",),
    "zwgk.health": ("health",),
}


class ZwgkGroup(click.Group):
    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *(n for names in COMMAND_MODULES.values() for n in names)})

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            module = next((m for m, names in COMMAND_MODULES.items() if name in names), None)
            if module is not None and _register(module):
                command = super().get_command(ctx, name)
        return command

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, hoist_bureau(list(args)))

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NeedsOneBureau as e:
            click.echo(f"zwgk {e.command}: {e}", err=True)
            ctx.exit(2)
        except ConfigError as e:
            click.echo(f"zwgk: configuration error: {e}", err=True)
            ctx.exit(2)
        except (BadBureau, StoreError) as e:   # one line says what is wrong
            click.echo(f"zwgk: {e}", err=True)
            ctx.exit(2)


@click.group(cls=ZwgkGroup)
@click.option("--db", "db", metavar="PATH", help="SQLite database (default: env ZWGK_DB, else the config's paths.db, else ./var/zwgk.db).")
@click.option("--config", "config", metavar="PATH", help="Configuration file (default ./zwgk.yaml; env ZWGK_CONFIG).")
@click.option("--bureau", "bureau", metavar="NAME",
              help="With a district configuration: only this bureau (key, name or alias; may follow the command).")
@click.version_option(package_name="zwgk")
@click.pass_context
def cli(ctx, db, config, bureau):
    """zwgk — 政务公开 compliance: crawl the disclosure sites, check the work plan, report gaps per unit."""
    ctx.obj = make_app(db, config, bureau)


@cli.command()
@click.argument("query")
@click.option("-n", "--limit", default=20, show_default=True, help="How many documents.")
@click.option("--site", type=click.Choice(["bureau", "province", "city", "district"]), help="Only this source.")
@click.option("--year", type=int, help="Only documents published in this year.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def search(app: AppContext, query, limit, site, year, as_json):
    """Full-text search (jieba-segmented) over titles, bodies and attachment text: the bureau's own
    documents first, then title matches, then the rest by rank; newest first within each."""
    import json as _json

    if is_district_context(app):   # every bureau's store; a shared column's document once
        groups = _district_search(app, query, limit=limit, site=site, year=year)
    else:
        store = app.store   # first: without a database, say where it looked
        config = app.config if app.has_config else app.stored_config
        aliases = list(config.bureau_aliases) + [config.bureau_name] if config is not None else []
        groups = [(None, config, ranked_search(store, query, limit=limit, site=site, year=year, aliases=aliases))]
    if as_json:
        for key, _config, rows in groups:
            for r in rows:
                click.echo(_json.dumps(r if key is None else dict(r, bureau=key), ensure_ascii=False))
        return
    if not any(rows for _, _, rows in groups):
        click.echo(f"没有与“{query}”匹配的文件" + (f"（来源 {site}）" if site else "") + (f"（{year}年）" if year else "") + "。", err=True)
        sys.exit(1)
    for key, config, rows in groups:
        if key is not None and rows:
            click.echo(f"== {key} {app.district.bureaus[key].bureau_name}")
        for r in rows:
            click.echo(f"{(r['published'] or '日期不详')[:10]:<10}  {_source(config, r)}  {r['title']}\n{'':12}{r['url']}")


def _district_search(app, query, **options) -> list[tuple[str, object, list[dict]]]:
    """Each bureau's best matches (its own documents first, as for one bureau); a document of a shared
    site is listed under the first bureau that has it."""
    seen: set[str] = set()
    groups = []
    for key, sub in app.bureaus():
        if not Path(sub.db_path).exists():
            continue
        cfg = sub.config
        limit = options["limit"]
        rows = ranked_search(sub.store, query, aliases=list(cfg.bureau_aliases) + [cfg.bureau_name],
                             **dict(options, limit=limit + len(seen)))
        shown = [r for r in rows if r["url"] not in seen][:limit]
        groups.append((key, cfg, shown))
        seen.update(r["url"] for r in shown)
    return groups


def _source(config, row: dict) -> str:
    """Where a document sits: 局网站·财政预决算, 兖州区人民政府·部门预决算 (an upper site's other columns are
    not its 政务公开 column, so the site's own name, then the column)."""
    site = row.get("site") or ""
    if site != "bureau" and config is not None and site in config.sites:
        where = config.sites[site].name
    else:
        where = SITE_LABELS.get(site, site)
    return f"{where}·{row['column_name']}" if row.get("column_name") else where


def _register(module_name: str) -> bool:
    """Add the commands of one COMMAND_MODULES module to the group; False if its package is absent."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            return False  # that package has no commands yet
        raise
    for name in COMMAND_MODULES[module_name]:
        command = getattr(module, name.replace("-", "_"), None) or getattr(module, f"{name}_cmd", None)
        if command is not None:
            cli.add_command(command, name)
    return True


def main() -> None:
    cli()
