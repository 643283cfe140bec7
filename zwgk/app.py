"""What every `zwgk` command gets: the chosen database and (lazily) the configuration."""
from __future__ import annotations

import os
from pathlib import Path

import click

from crawler.config import Config, ConfigError, database_path, load_config
from crawler.store import Store

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
        if self._db_option or os.environ.get("ZWGK_DB"):
            return database_path(None, self._db_option)
        return database_path(self.config if self.config_path is not None else None)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path)
        return self._store


pass_app = click.make_pass_decorator(AppContext)
