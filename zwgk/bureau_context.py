"""Which bureau(s) a command works on, when the configuration is a district's (crawler/bureaus.py).

``zwgk --config district.yaml --bureau NAME …`` (NAME: the bureau's key, name or an alias; ``--bureau``
may also follow the command) works on that one bureau exactly as ``zwgk --config var/KEY/zwgk.yaml …``
would: the command gets an ordinary context built from the bureau's effective configuration
(zwgk/district.py ``effective_config``). A district of one bureau needs no ``--bureau``.

Without ``--bureau`` on a district of several bureaus the command gets a ``DistrictContext``: commands
that make sense across bureaus loop over them (``across_bureaus``, or their own district view: status,
health, check, mail, report, search); any other command (attest, db import, browse, crawl, plan show …)
stops at its first use of the configuration or the store with one line saying that it needs one bureau
(``NeedsOneBureau``, exit 2).
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from crawler.bureaus import District, is_district, load_district
from crawler.config import ConfigError
from crawler.store import StoreError

from .app import AppContext
from .district import effective_config

EXIT_USAGE = 2


class NeedsOneBureau(Exception):
    """A command that works on one bureau was given a district of several, without --bureau."""

    def __init__(self, district: District, why: str | None = None):
        ctx = click.get_current_context(silent=True)
        names = []
        while ctx is not None and ctx.parent is not None:
            names.insert(0, ctx.info_name or "")
            ctx = ctx.parent
        self.command = " ".join(n for n in names if n) or "this command"
        why = why or f"works on one bureau and {Path(district.path).name} names {len(district.bureaus)} bureaus"
        super().__init__(f"{why}: pass --bureau NAME (known: {district.known()})")


class BadBureau(Exception):
    """--bureau names no bureau of the configuration (one line, exit 2)."""


class DistrictContext(AppContext):
    """A district configuration without --bureau: no single config or store; ``bureaus()`` gives each."""

    def __init__(self, db: str | None, district: District):
        super().__init__(db, str(district.path))
        self.district = district

    def _one(self):
        raise NeedsOneBureau(self.district)

    config = property(_one)
    db_path = property(_one)
    store = property(_one)

    def new_store(self):
        self._one()

    def bureaus(self) -> list[tuple[str, AppContext]]:
        """(key, an ordinary context for that bureau) for every bureau, in configuration order."""
        return [(key, bureau_app(self.district, key)) for key in self.district.bureaus]


def bureau_app(district: District, key: str, db: str | None = None) -> AppContext:
    # the bureau's store named explicitly: an inherited ZWGK_DB must not send every bureau to one store
    app = AppContext(db or str(district.db_path(key)), str(effective_config(district, key)))
    app.district, app.bureau = district, key
    return app


def make_app(db: str | None, config: str | None, bureau: str | None) -> AppContext:
    """The context of the command line: one bureau's (a plain config, --bureau, a district of one) or
    the district's."""
    app = AppContext(db, config)
    path = app.config_path
    try:
        district = path is not None and Path(path).is_file() and is_district(path)
    except ConfigError:
        district = False         # unreadable: the command that needs the config says so (exit 2)
    if not district:
        if bureau is not None:
            if path is None:
                raise BadBureau(f"--bureau {bureau!r}: no configuration (pass --config district.yaml)")
            cfg = app.config
            if bureau.strip() not in {cfg.bureau_name, *cfg.bureau_aliases}:
                raise BadBureau(f"--bureau {bureau!r}: {path} is one bureau's configuration "
                                f"({cfg.bureau_name or 'unnamed'}), not a district's")
        return app
    d = load_district(path)
    if bureau is not None:
        try:
            key = d.find(bureau)
        except ValueError as e:
            raise BadBureau(str(e)) from None
    elif len(d.bureaus) == 1:
        app = bureau_app(d, next(iter(d.bureaus)), db)
        app.whole_district = True    # nightly and report still run the district's way (overview)
        return app
    elif db is not None:
        raise BadBureau(f"--db names one store and {Path(path).name} names {len(d.bureaus)} bureaus: "
                        f"add --bureau NAME (known: {d.known()})")
    else:
        return DistrictContext(None, d)
    return bureau_app(d, key, db)


def is_district_context(app) -> bool:
    return isinstance(app, DistrictContext)


def district_of(app) -> District | None:
    """The district a district-wide command (nightly, report) works on: a district configuration given
    without --bureau (also one of a single bureau); None for one bureau."""
    if isinstance(app, DistrictContext) or getattr(app, "whole_district", False):
        return app.district
    return None


def hoist_bureau(args: list[str]) -> list[str]:
    """``zwgk status --bureau b01`` means ``zwgk --bureau b01 status``: move the option to the front."""
    out, front, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i:])
            break
        if a == "--bureau" and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if a.startswith("--bureau="):
            front.append(a)
        else:
            out.append(a)
        i += 1
    return front + out


def heading(key: str, app: AppContext) -> str:
    cfg = app.config
    return f"== {key} {cfg.bureau_name}（{Path(app.db_path).resolve()}）"


def each_bureau(app: AppContext, body, *, headings: bool = True) -> int:
    """``body(key, bureau_app)`` for every bureau of ``district_of(app)``; one bureau's failure does not
    stop the others. Returns the worst exit code (what the command would have exited with on that bureau)."""
    worst = 0
    district = district_of(app)
    for key in district.bureaus:
        try:
            sub = bureau_app(district, key)
            if headings:
                click.echo(heading(key, sub))
            body(key, sub)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
            worst = max(worst, code)
        except click.exceptions.Exit as e:
            worst = max(worst, e.exit_code)
        except click.ClickException as e:
            click.echo(f"zwgk: {key}: {e.format_message()}", err=True)
            worst = max(worst, e.exit_code)
        except (ConfigError, StoreError) as e:
            click.echo(f"zwgk: {key}: {e}", err=True)
            worst = max(worst, EXIT_USAGE)
    return worst


def across_bureaus(command):
    """Under ``@pass_app``: on a district without --bureau, run the command once per bureau (with a
    heading each) and exit with the worst code; otherwise the command as it is."""
    @functools.wraps(command)
    def wrapper(app, *args, **kwargs):
        if not is_district_context(app):
            return command(app, *args, **kwargs)
        code = each_bureau(app, lambda key, sub: command(sub, *args, **kwargs))
        if code:
            sys.exit(code)
    return wrapper
