"""`zwgk demo`: the whole job on the replica sites, stage by stage, as an operator would run it.

Serve the replica → write a config pointing at it → crawl → check the 2020 plan as of 2020-12-31 →
report → mail to an SMTP server started here (aiosmtpd) → print the per-unit table.
Each stage runs as its own `zwgk` command (a Scrapy crawl needs a fresh process for its reactor).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import click
import yaml

from crawler.config import database_path, load_config
from crawler.store import Store
from crawler.vocabulary import STATUS_LABELS

PRODUCTION = Path(__file__).resolve().parents[1] / "config" / "production.yaml"
AS_OF = "2020-12-31"


def demo_config(urls: dict[str, str], workdir: Path, smtp_port: int) -> dict:
    """The demo's configuration: the replica's sites, the real unit list, a local SMTP server."""
    production = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))
    names = {"bureau": "济宁市兖州区教育和体育局（仿真）", "province": "山东省人民政府（仿真）",
             "city": "济宁市人民政府（仿真）", "district": "兖州区人民政府（仿真）"}
    return {
        "contact": "zwgk-demo@example.org",
        "bureau_aliases": production["bureau_aliases"],
        "paths": {"data": ".", "reports": "reports", "outbox": "outbox"},
        "sites": {key: {"name": names[key], "base_url": url, "platform": "jcms"} for key, url in urls.items()},
        "units": production["units"],
        "lead_unit": production["lead_unit"],
        "mail": {"host": "127.0.0.1", "port": smtp_port, "security": "none", "sender": "zwgk-demo@example.org"},
        # Loopback replica: no politeness delay needed; production keeps the polite defaults.
        "crawl": {"concurrency_per_host": 16, "download_delay": 0, "autothrottle": False, "obey_robots": True},
    }


class _Inbox:
    """aiosmtpd handler: keeps every delivered message as an .eml file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        (self.folder / f"{self.count:03d}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width, counting a Hanzi as two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(width - used, 1)
    return fill + text if right else text + fill


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _zwgk(args: list[str], config: Path, log) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-P", "-c", "from zwgk.cli import main; main()", "--config", str(config), *args]
    log(click.style("$ zwgk " + " ".join(args), fg="cyan"))
    proc = subprocess.run(cmd, text=True, capture_output=True)
    if proc.stdout.strip():
        log(proc.stdout.rstrip())
    if proc.returncode != 0:
        log(proc.stderr.rstrip())
        raise click.ClickException(f"`zwgk {' '.join(args)}` failed with exit code {proc.returncode}")
    return proc


def unit_table(store, config) -> list[tuple[str, int, int, int, int, int]]:
    """(unit, gaps, late, met, other, shared) per recipient unit of the latest check run, routed as the
    reports route it (a group's items go to the section owning the document; shared ones counted apart)."""
    from reports import build_model, load_plan  # deferred: jinja2/openpyxl load only with the reports

    run = store.latest_run("check")
    if run is None:
        return []
    model = build_model(store, load_plan(config, run=run), config, history=False)
    rows = []
    for view in model.units.values():
        if not view.findings and not view.shared:
            continue
        c = view.counts
        rows.append((view.name, c["gap"], c["late"], c["met"], sum(c.values()) - c["gap"] - c["late"] - c["met"],
                     len(view.shared)))
    return rows


@click.command()
@click.option("--dir", "workdir", default="var/demo", show_default=True, type=click.Path(path_type=Path),
              help="Where the demo keeps its config, database, reports and outbox (emptied first).")
@click.option("--seed", default=1, show_default=True, help="Replica seed.")
@click.option("--scale", default=1.0, show_default=True, help="Replica size factor (1.0 ≈ 2,000+ bureau articles).")
def demo(workdir: Path, seed: int, scale: float):
    """Run the whole job on the built-in replica sites."""
    from aiosmtpd.controller import Controller  # deferred: the optional [demo] extra, needed only here

    from replica import ReplicaServer  # deferred: the replica loads only for the demo

    started = time.monotonic()
    log = click.echo
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    received = workdir / "smtp-received"
    received.mkdir()

    inbox = _Inbox(received)
    smtp_port = free_port()  # aiosmtpd's Controller cannot be given port 0
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        log(f"Replica sites (seed {seed}, scale {scale}) …")
        with ReplicaServer(seed=seed, scale=scale, night=0) as replica:
            for key, url in replica.urls.items():
                log(f"  {key:<9}{url}")
            config_path = workdir / "zwgk.yaml"
            config_path.write_text(
                "# Written by `zwgk demo`: the replica sites, the real unit list, a local SMTP server.\n"
                + yaml.safe_dump(demo_config(replica.urls, workdir, smtp_port), allow_unicode=True, sort_keys=False),
                encoding="utf-8")
            _zwgk(["crawl"], config_path, log)
        _zwgk(["check", "--as-of", AS_OF], config_path, log)
        _zwgk(["report"], config_path, log)
        _zwgk(["mail"], config_path, log)
    finally:
        smtp.stop()

    config = load_config(config_path)
    store = Store(database_path(config))
    rows = unit_table(store, config)
    log("")
    log(f"各责任单位情况（截至{AS_OF}）")
    heads = (STATUS_LABELS["gap"], STATUS_LABELS["late"], STATUS_LABELS["met"], "其他", "全局共性")
    log(_pad("单位", 22) + "".join(_pad(h, 10, right=True) for h in heads))
    for unit, *numbers in rows:
        log(_pad(unit, 22) + "".join(_pad(str(n), 10, right=True) for n in numbers))
    docs = {site: store.count_documents(site) for site in ("bureau", "province", "city", "district")}
    emls = sorted(config.outbox_dir.rglob("*.eml"))
    subjects = [str(message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]) for p in
                sorted(received.glob("*.eml"))[:3]]
    log("")
    log("Documents stored: " + ", ".join(f"{k} {v}" for k, v in docs.items()))
    log(f"E-mails delivered to the local SMTP server: {inbox.count} (outbox: {len(emls)} .eml in {config.outbox_dir})")
    for s in subjects:
        log(f"  {s}")
    log(f"Dashboard: {(config.reports_dir / 'index.html').resolve()}")
    log(f"Database:  {store.path.resolve()}")
    log(f"Done in {time.monotonic() - started:.0f} s.")
    log("")
    log("To run the README's commands on the demo's data (zwgk search 部门预算, zwgk status …):")
    log("  . .venv/bin/activate")
    log(f"  export ZWGK_CONFIG={config_path}")
    store.close()
