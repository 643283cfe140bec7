"""The `zwgk` command line.

The group here holds the global options (--db, --config); each package contributes its own commands
module (spiders/commands.py, rules/commands.py, reports/commands.py …), registered in COMMAND_MODULES.
"""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click

from .config import Config, ConfigError, load_config
from .store import Store, StoreError, default_db_path

# module path -> names of click commands/groups it defines
COMMAND_MODULES = {
    "spiders.commands": ("crawl", "extract", "sites"),
    "rules.commands": ("plan", "check", "attest", "db"),
    "reports.commands": ("report", "mail", "browse"),
    "crawler.demo": ("demo",),
    "crawler.replica.commands": ("replica",),
    "crawler.nightly": ("nightly",),
    "crawler.status": ("status",),
    "crawler.health": ("health",),
}

DEFAULT_CONFIG_NAMES = ("zwgk.yaml", "zwgk.yml")


class AppContext:
    """What every command gets: the chosen database and (lazily) the configuration."""

    def __init__(self, db: str | None, config: str | None):
        self._db_option = db
        self.config_path = Path(config) if config else self._find_config()
        self._config: Config | None = None
        self._store: Store | None = None

    @staticmethod
    def _find_config() -> Path | None:
        env = os.environ.get("ZWGK_CONFIG")
        if env:
            return Path(env)
        for name in DEFAULT_CONFIG_NAMES:
            if Path(name).exists():
                return Path(name)
        return None

    @property
    def config(self) -> Config:
        if self._config is None:
            if self.config_path is None:
                raise ConfigError("zwgk.yaml", None, "(file)",
                                  "no configuration: pass --config PATH or set ZWGK_CONFIG")
            self._config = load_config(self.config_path)
        return self._config

    @property
    def db_path(self) -> Path:
        if self._db_option:
            return Path(self._db_option)
        if os.environ.get("ZWGK_DB"):
            return Path(os.environ["ZWGK_DB"])
        if self.config_path is not None:
            cfg = self.config
            return cfg.db_path or cfg.data_dir / "zwgk.db"
        return default_db_path()

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path)
        return self._store


pass_app = click.make_pass_decorator(AppContext)


class ZwgkGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as e:
            click.echo(f"zwgk: configuration error: {e}", err=True)
            ctx.exit(2)
        except StoreError as e:
            click.echo(f"zwgk: {e}", err=True)
            ctx.exit(2)


@click.group(cls=ZwgkGroup)
@click.option("--db", "db", metavar="PATH", help="SQLite database (default ./var/zwgk.db; env ZWGK_DB).")
@click.option("--config", "config", metavar="PATH", help="Configuration file (default ./zwgk.yaml; env ZWGK_CONFIG).")
@click.version_option(package_name="zwgk")
@click.pass_context
def cli(ctx, db, config):
    """zwgk — 政务公开 compliance: crawl the disclosure sites, check the work plan, report gaps per unit."""
    ctx.obj = AppContext(db, config)


@cli.command()
@click.argument("query")
@click.option("-n", "--limit", default=20, show_default=True, help="How many documents.")
@click.option("--site", type=click.Choice(["bureau", "province", "city", "district"]), help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def search(app: AppContext, query, limit, site, as_json):
    """Full-text search (jieba-segmented) over titles, bodies and attachment text."""
    import json as _json

    rows = app.store.search(query, limit=limit, site=site)
    if as_json:
        for r in rows:
            click.echo(_json.dumps(r, ensure_ascii=False))
        return
    if not rows:
        click.echo("（无结果）no documents match", err=True)
        sys.exit(1)
    for r in rows:
        click.echo(f"{r['published'] or '????-??-??'}  {r['site']:<8}  {r['title']}\n{'':22}{r['url']}")


def _register() -> None:
    for module_name, names in COMMAND_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and module_name.startswith(e.name):
                continue  # that package has no commands yet
            raise
        for name in names:
            command = getattr(module, name.replace("-", "_"), None) or getattr(module, f"{name}_cmd", None)
            if command is not None:
                cli.add_command(command, name)


_register()


def main() -> None:
    cli()
