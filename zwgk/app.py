"""What every `zwgk` command gets: the chosen database and (lazily) the configuration."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from crawler.config import Config, ConfigError, database_path, load_config
from crawler.configcopy import stored_config
from crawler.store import Store

DEFAULT_CONFIG_NAMES = ("zwgk.yaml", "zwgk.yml")


class AppContext:
    """What every command gets: the chosen database and (lazily) the configuration."""

    def __init__(self, db: str | None, config: str | None):
        self._db_option = db
        self.config_path = Path(config) if config else self._find_config()
        self._config: Config | None = None
        self._store: Store | None = None

    def _find_config(self) -> Path | None:
        """$ZWGK_CONFIG, else ./zwgk.yaml, else the configuration beside the ``--db`` database (the demo's
        var/demo/zwgk.yaml beside var/demo/zwgk.db), so ``zwgk --db var/demo/zwgk.db …`` works as printed."""
        env = os.environ.get("ZWGK_CONFIG")
        if env:
            return Path(env)
        for name in DEFAULT_CONFIG_NAMES:
            if Path(name).exists():
                return Path(name)
        if self._db_option:
            for name in DEFAULT_CONFIG_NAMES:
                beside = Path(self._db_option).parent / name
                if beside.exists():
                    return beside
        return None

    @property
    def has_config(self) -> bool:
        return self.config_path is not None

    @property
    def config(self) -> Config:
        if self._config is None:
            if self.config_path is None:
                raise ConfigError("zwgk.yaml", None, "(file)",
                                  "no configuration: pass --config PATH or set ZWGK_CONFIG")
            self._config = load_config(self.config_path)
        return self._config

    @property
    def stored_config(self) -> Config | None:
        """The copy of the configuration the store keeps (crawler/configcopy.py), None without one."""
        if not Path(self.db_path).exists():
            return None
        return stored_config(self.store)

    @property
    def config_to_read(self) -> Config:
        """For the commands that only read (report, sites list, and search/browse for the bureau's names): the
        configuration file when there is one, else the copy in the store, else a one-line error (exit 2)."""
        if self.config_path is not None:
            return self.config
        copy = self.stored_config
        if copy is None:
            raise NoConfiguration(Path(self.db_path).resolve())
        return copy

    @property
    def db_path(self) -> Path:
        if self._db_option or os.environ.get("ZWGK_DB"):
            return database_path(None, self._db_option)
        return database_path(self.config if self.config_path is not None else None)

    @property
    def store(self) -> Store:
        """The existing store. A command that reads never creates an empty database: it says where it
        looked and how to get one."""
        if self._store is None:
            path = Path(self.db_path)
            # a path under a file is Store's one-line StoreError ("cannot be created", exit 2)
            if not path.exists() and not any(p.exists() and not p.is_dir() for p in path.parents):
                raise click.ClickException(
                    f"没有数据库：{path.resolve()}（no database there）。"
                    "先运行 `make demo`（演示数据，之后用 --db var/demo/zwgk.db）或 `zwgk crawl`（抓取），"
                    "或用 --db PATH / ZWGK_DB 指定已有的数据库。")
            self._store = Store(path)
        return self._store

    def new_store(self) -> Store:
        """The store, created (and its folder) when missing: for commands that fill it (crawl, nightly, db import)."""
        if self._store is None:
            Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
            self._store = Store(self.db_path)
        return self._store


class NoConfiguration(ConfigError):
    """Neither a configuration file nor a stored copy: says what is missing and how to get it."""

    def __init__(self, db: Path):
        super().__init__(db, None, "configuration", "")
        self.args = (f"没有配置：未找到配置文件（--config PATH、ZWGK_CONFIG、./zwgk.yaml 或数据库旁的 zwgk.yaml），"
                     f"数据库 {db} 中也没有配置副本（带配置运行一次 zwgk crawl 或 zwgk check 即写入）",)

    def __str__(self) -> str:
        return self.args[0]


pass_app = click.make_pass_decorator(AppContext)


def iso_date(ctx, param, value) -> dt.date | None:
    """Click callback of the date options (``--as-of 2020-12-31``)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2020-12-31") from None
