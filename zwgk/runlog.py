"""The night's log file (zwgk nightly): every line stamped, stage output as verbatim blocks, and what the
operator should see echoed, through a logger of its own."""
from __future__ import annotations

import logging
import time
from pathlib import Path

import click


class _StampedLines(logging.Formatter):
    """Every line of a message stamped, so a stage's multi-line output stays greppable; blocks verbatim."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if getattr(record, "block", False):
            return text
        stamp = self.formatTime(record, "%Y-%m-%d %H:%M:%S")
        return "\n".join(f"{stamp}  {line}" for line in (text.splitlines() or [""]))


class _Echo(logging.Handler):
    """The lines meant for the operator too: through click, as the other command output."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage())


class RunLog:
    """The night's log file (and what of it goes to stdout), through a logger of its own."""

    def __init__(self, path: Path, echo: bool = True):
        self.path = path
        self.echo = echo
        path.parent.mkdir(parents=True, exist_ok=True)
        self.logger = logging.getLogger(f"zwgk.nightly.run.{path.stem}")
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False     # the night's own file, not the root logger's handlers
        self.file = logging.FileHandler(path, mode="a", encoding="utf-8")
        self.file.setFormatter(_StampedLines())
        self.screen = _Echo()
        self.screen.addFilter(lambda record: getattr(record, "echo", False))
        for handler in (self.file, self.screen):
            self.logger.addHandler(handler)

    def __call__(self, text: str, *, echo: bool | None = None) -> None:
        self.logger.info(text, extra={"echo": self.echo if echo is None else echo})

    def block(self, title: str, text: str) -> None:
        if text and text.strip():
            self.logger.info(f"---- {title} ----\n{text.rstrip()}\n---- end {title} ----",
                             extra={"block": True, "echo": False})

    def close(self) -> None:
        for handler in (self.file, self.screen):
            self.logger.removeHandler(handler)
            handler.close()


def prune_logs(folder: Path, days: int) -> int:
    cutoff = time.time() - days * 86400
    n = 0
    for p in folder.glob("nightly-*.log"):
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
                n += 1
        except OSError:
            pass
    return n
