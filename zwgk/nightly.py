"""`zwgk nightly`: the unattended night — crawl → crawl health → check → report → mail.

One run at a time: a file lock in the data folder (``<data>/nightly.lock``); a second run started while
one holds it says so and exits 3 without touching anything. Every run writes a log under
``<data>/logs/`` (``nightly-<start>-<run>.log``, plus the crawl's Scrapy log next to it) and a run summary
in the database (``runs`` row of kind ``nightly``: stage results and durations, documents
new/changed/withdrawn, findings by status and how they moved since the previous night, mails sent/failed,
alarms, how old the data is). ``zwgk status`` reads those summaries.

Stages run as child ``zwgk`` processes (Scrapy's reactor starts once per process; a stage that crashes
cannot take the night down), except the health monitors, which only read the store. A failing stage does
not stop the stages that can still run on yesterday's data: when the crawl fails, the check, the reports
and the mail still go out, and the mails say how old the data is (数据截至 …).

Exit codes: 0 the night completed (gaps are results, not failures); 1 an operational failure (the summary
names the stage and why; the other stages still ran); 2 a configuration error; 3 another run holds the lock.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import click

from crawler.alarms import data_freshness
from crawler.store import Store, now_iso
from reports.changes import alarm_summary, findings_movement
from rules.errors import PlanError
from spiders.health import evaluate_crawl

from .app import AppContext, iso_date, pass_app
from .bureau_context import district_of
from .childproc import reap_stale, run_child
from .cmd_rules import _load as _load_plan
from .district import district_health, district_nightly
from .runlog import RunLog, prune_logs
from .status import format_run

STAGES = ("crawl", "health", "check", "report", "mail")
LOCK_NAME = "nightly.lock"
EXIT_LOCKED = 3
KEEP_LOG_DAYS = 90
# -P: the working directory is not put on sys.path (a data folder's reports/ would shadow the package)
ZWGK = [sys.executable, "-P", "-c", "from zwgk.cli import main; main()"]


class Interrupted(Exception):
    """SIGTERM (systemd stop, kill): stop the running stage, record the night as interrupted."""


def _on_sigterm(signum, frame):
    raise Interrupted(f"signal {signum}")


# --- the log ----------------------------------------------------------------------------------------

# --- stages -------------------------------------------------------------------------------------------

class Stage:
    def __init__(self, name: str):
        self.name = name
        self.status = "skipped"
        self.started: str | None = None
        self.duration = 0.0
        self.exit_code: int | None = None
        self.error: str | None = None
        self.detail: dict = {}
        self._t0 = 0.0

    def begin(self) -> None:
        self.started = now_iso()
        self._t0 = time.monotonic()

    def end(self, status: str, error: str | None = None, exit_code: int | None = None) -> None:
        self.duration = round(time.monotonic() - self._t0, 2)
        self.status, self.error, self.exit_code = status, error, exit_code

    def to_dict(self) -> dict:
        return {"status": self.status, "started": self.started, "duration_s": self.duration,
                "exit_code": self.exit_code, "error": self.error, **({"detail": self.detail} if self.detail else {})}


def _last_line_json(text: str) -> dict | None:
    for line in reversed((text or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def _tail(text: str, n: int = 400) -> str:
    text = (text or "").strip()
    return text if len(text) <= n else "…" + text[-n:]


def _error_line(proc: subprocess.CompletedProcess) -> str:
    """The most telling line a failed stage printed."""
    lines = [l.strip() for l in (proc.stderr or "").splitlines() if l.strip()]
    for l in reversed(lines):
        if l.startswith("zwgk") or "Error" in l or "错误" in l or "失败" in l:
            return l[:300]
    return (lines[-1] if lines else _tail(proc.stdout, 300) or f"exit code {proc.returncode}")[:300]


class Night:
    def __init__(self, app: AppContext, config, log: RunLog, run_id: int, *, as_of: dt.date | None,
                 skip_mail: bool, skip_crawl: bool, sites: tuple[str, ...], timeout: float, logs_dir: Path,
                 stamp: str):
        self.app, self.config, self.log, self.run_id = app, config, log, run_id
        self.as_of, self.skip_mail, self.skip_crawl, self.sites = as_of, skip_mail, skip_crawl, sites
        self.timeout, self.logs_dir, self.stamp = timeout, logs_dir, stamp
        self.stages = {name: Stage(name) for name in STAGES}
        self.crawl_run: int | None = None
        self.check_run: int | None = None
        self.health: dict | None = None
        self.mail_counts: dict | None = None
        self.crawl_log = logs_dir / f"nightly-{stamp}-{run_id}-crawl.log"
        # records the running stage's process and group (lock info file): the next night kills it if we die
        self.child_info: Callable[[str, int, int], None] = lambda stage, pid, pgid: None

    @property
    def store(self) -> Store:
        return self.app.store

    def _global(self) -> list[str]:
        args = []
        if self.app.config_path is not None:
            args += ["--config", str(Path(self.app.config_path).resolve())]
        args += ["--db", str(Path(self.app.db_path).resolve())]
        return args

    def zwgk(self, stage: Stage, args: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
        cmd = ZWGK + self._global() + args
        self.log(f"[{stage.name}] $ zwgk {' '.join(args)}", echo=False)
        env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
        try:   # the child dies with the night, even on kill -9 (zwgk/childproc.py)
            proc = run_child(cmd, timeout=timeout or self.timeout, env=env,
                             on_start=lambda pid, pgid: self.child_info(stage.name, pid, pgid))
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
            self.log.block(f"{stage.name} stdout", out)
            self.log.block(f"{stage.name} stderr", err)
            return subprocess.CompletedProcess(cmd, 124, out, err + f"\nzwgk nightly: {stage.name} timed out after {e.timeout:.0f} s")
        self.log.block(f"{stage.name} stdout", proc.stdout)
        self.log.block(f"{stage.name} stderr", proc.stderr)
        return proc

    def _max_id(self, kind: str) -> int:
        return self.store.db.execute("select coalesce(max(id), 0) from runs where kind = ?", [kind]).fetchone()[0]

    def _new_run(self, kind: str, after: int) -> dict | None:
        rows = list(self.store.db.query("select id from runs where kind = ? and id > ? order by id desc limit 1",
                                        [kind, after]))
        return self.store.run(rows[0]["id"]) if rows else None

    # -- the stages ------------------------------------------------------------------------------------
    def crawl(self) -> None:
        st = self.stages["crawl"]
        if self.skip_crawl:
            st.status, st.error = "skipped", "--skip-crawl"
            return
        st.begin()
        before = self._max_id("crawl")
        args = ["crawl", "--json", "--log-file", str(self.crawl_log)]
        for s in self.sites:
            args += ["--site", s]
        proc = self.zwgk(st, args)
        data = _last_line_json(proc.stdout) or {}
        run = self.store.run(data["run_id"]) if data.get("run_id") else self._new_run("crawl", before)
        self.crawl_run = run["id"] if run else None
        st.detail = {"run": self.crawl_run, "log": str(self.crawl_log),
                     "problems": data.get("problems") or []}
        if proc.returncode == 0:
            st.end("ok", exit_code=0)
        else:
            why = "；".join(data.get("problems") or []) or _error_line(proc)
            st.end("failed", why, proc.returncode)
        if run is not None and run.get("status") == "running":  # the crawl process died mid-way
            self.store.finish_run(run["id"], "failed")

    def check_health(self) -> None:

        st = self.stages["health"]
        if self.crawl_run is None and self.skip_crawl and district_health() is not None:
            # a bureau's night in a district night: the district ran the monitors on this bureau's crawls
            st.begin()
            self.health = district_health()
            st.detail = {"by": "district night", "crawl_runs": self.health.get("crawl_runs") or [],
                         **{k: len(self.health.get(k) or []) for k in ("new", "ongoing", "resolved")}}
            st.end("ok")
            self.log(f"[health] the district night's monitors, crawl run(s) "
                     f"{', '.join(f'#{i}' for i in st.detail['crawl_runs'])}: {st.detail['new']} new, "
                     f"{st.detail['ongoing']} ongoing, {st.detail['resolved']} resolved alarm(s)", echo=False)
            return
        if self.crawl_run is None:
            st.status, st.error = "skipped", "本次没有抓取记录"
            return
        st.begin()
        try:
            result = evaluate_crawl(self.store, self.config, self.crawl_run)
        except Exception as e:  # noqa: BLE001 — the checks still run, without alarms from tonight
            st.end("failed", f"{type(e).__name__}: {e}")
            self.log(f"[health] failed: {type(e).__name__}: {e}", echo=False)
            return
        self.health = result.to_dict()
        st.detail = {"new": len(result.new), "ongoing": len(result.ongoing), "resolved": len(result.resolved)}
        st.end("ok")
        for f in result.fired:
            self.log(f"[health] {f.monitor} {f.site}{'/' + f.column_id if f.column_id else ''}: {f.message}", echo=False)

    def check(self) -> None:
        st = self.stages["check"]
        st.begin()
        before = self._max_id("check")
        args = ["check"] + (["--as-of", self.as_of.isoformat()] if self.as_of else [])
        proc = self.zwgk(st, args)
        run = self._new_run("check", before)
        if proc.returncode == 0 and run is not None and run.get("status") == "ok":
            self.check_run = run["id"]
            st.detail = {"run": run["id"], "as_of": run.get("as_of")}
            st.end("ok", exit_code=0)
        else:
            st.end("failed", _error_line(proc), proc.returncode)

    def _latest_check(self) -> dict | None:
        return self.store.latest_run("check")

    def report(self) -> None:
        st = self.stages["report"]
        latest = self._latest_check()
        if latest is None:
            st.status, st.error = "skipped", "还没有任何检查结果"
            return
        st.begin()
        proc = self.zwgk(st, ["report", "--run", str(latest["id"])])
        st.detail = {"check_run": latest["id"], "out": str(self.config.reports_dir)}
        if latest["id"] != self.check_run:
            st.detail["note"] = f"依据此前的检查批次 #{latest['id']}"
        if proc.returncode == 0:
            st.end("ok", exit_code=0)
        else:
            st.end("failed", _error_line(proc), proc.returncode)

    def mail(self) -> None:
        st = self.stages["mail"]
        if self.skip_mail:
            st.status, st.error = "skipped", "--skip-mail"
            return
        latest = self._latest_check()
        if latest is None:
            st.status, st.error = "skipped", "还没有任何检查结果"
            return
        st.begin()
        proc = self.zwgk(st, ["mail", "--run", str(latest["id"]), "-v"])
        m = re.search(r"sent=(\d+) failed=(\d+) skipped=(\d+) dry_run=(\d+)", proc.stdout or "")
        if m:
            self.mail_counts = dict(zip(("sent", "failed", "skipped", "dry_run"), map(int, m.groups())))
        st.detail = {"check_run": latest["id"], **(self.mail_counts or {})}
        if proc.returncode == 0:
            st.end("ok", exit_code=0)
        else:
            failed = [l.strip() for l in (proc.stderr or "").splitlines() if l.strip().startswith("失败")]
            st.end("failed", (failed[0] if failed else _error_line(proc))[:300], proc.returncode)

    # -- the summary ---------------------------------------------------------------------------------
    def summary(self, started_mono: float, interrupted: str | None = None) -> tuple[str, dict, int]:

        if interrupted:
            for st in self.stages.values():
                if st.started and st.status == "skipped":
                    st.end("interrupted", f"interrupted ({interrupted})")
        stages = {n: s.to_dict() for n, s in self.stages.items()}
        failed = [n for n in STAGES if self.stages[n].status == "failed"]
        out: dict = {"stages": stages, "duration_s": round(time.monotonic() - started_mono, 1),
                     "as_of": self.as_of.isoformat() if self.as_of else None,
                     "log": str(self.log.path), "crawl_log": str(self.crawl_log) if self.crawl_run else None,
                     "crawl_run": self.crawl_run, "check_run": self.check_run}
        # documents
        docs = {"new": 0, "changed": 0, "unchanged": 0, "withdrawn": 0, "sites": {}}
        if self.crawl_run is not None:
            run = self.store.run(self.crawl_run) or {}
            for site, s in (run.get("stats") or {}).items():
                if isinstance(s, dict) and "new" in s:
                    docs["sites"][site] = {k: s.get(k, 0) for k in ("new", "changed", "unchanged", "withdrawn",
                                                                    "errors", "requests")}
                    for k in ("new", "changed", "unchanged", "withdrawn"):
                        docs[k] += int(s.get(k) or 0)
        out["documents"] = docs if self.crawl_run is not None else {}
        out["findings"] = findings_movement(self.store, self.check_run, self.run_id)
        out["mail"] = self.mail_counts or {"sent": 0, "failed": 0, "skipped": 0, "dry_run": 0}
        out["alarms"] = alarm_summary(self.store, self.health)
        fresh = data_freshness(self.store, before_run=self.check_run) if self.check_run else data_freshness(self.store)
        out["data"] = {"stale": fresh["stale"], "note": fresh["note"], "data_as_of": fresh["data_as_of"]}
        code = 0
        if interrupted:
            out["failed_stage"] = next((n for n in STAGES if self.stages[n].status == "interrupted"), None)
            out["reason"] = f"interrupted ({interrupted})"
            code = 1
        elif failed:
            first = failed[0]
            out["failed_stage"] = first
            out["failed_stages"] = failed
            out["reason"] = self.stages[first].error
            code = 2 if any(self.stages[n].exit_code == 2 for n in failed) else 1
        status = "ok" if code == 0 else ("interrupted" if interrupted else "failed")
        return status, out, code


# --- the command ----------------------------------------------------------------------------------------

def _lock_holder(info: Path) -> str:
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
        return f"（pid {data.get('pid')}，开始于 {data.get('started_local')}，运行 #{data.get('run')}）"
    except (OSError, ValueError):
        return ""


@click.command()
@click.option("--as-of", "as_of", callback=iso_date, metavar="DATE",
              help="Check the plan as of this date (default: today). The replica's date in tests and demos.")
@click.option("--skip-mail", is_flag=True, help="Crawl, check and report, but send nothing.")
@click.option("--skip-crawl", is_flag=True, help="Do not crawl: check, report and mail on the stored data.")
@click.option("--site", "sites", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--stage-timeout", default=6 * 3600, show_default=True, type=float,
              help="Seconds after which a stage is stopped and counted as failed.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the night's summary row (the log has everything).")
@pass_app
def nightly(app: AppContext, as_of, skip_mail, skip_crawl, sites, stage_timeout, quiet):
    """The night: crawl → health monitors → check → report → mail, one run at a time.

    Exit 0 when the night completed (gaps are results), 1 on an operational failure (the summary names
    the stage; the other stages still ran, on yesterday's data if need be), 2 on a configuration error,
    3 when another run holds the lock (nothing touched).
    """
    from filelock import FileLock, Timeout

    if district_of(app) is not None:
        # several bureaus: each one's night (--bureau NAME: that bureau's ordinary night)
        args = (["--as-of", str(as_of)] if as_of else []) + (["--skip-mail"] if skip_mail else [])
        sys.exit(district_nightly(district_of(app), args, skip_crawl=skip_crawl,
                                  log=lambda m: None if quiet else click.echo(m)))
    config = app.config                      # a configuration error exits 2 (zwgk.cli.ZwgkGroup)
    unknown = [s for s in sites if s not in config.sites]
    if unknown:
        click.echo(f"zwgk nightly: configuration error: site(s) not configured: {', '.join(unknown)}", err=True)
        sys.exit(2)
    try:   # the plan and its units, before a long crawl that a wrong unit name would waste
        _load_plan(app, None, (as_of or dt.date.today()).year)
    except PlanError as e:
        click.echo(f"zwgk nightly: plan error (nothing crawled): {e}", err=True)
        sys.exit(2)
    data_dir = Path(config.data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        click.echo(f"zwgk nightly: configuration error: data folder {data_dir}: {e}", err=True)
        sys.exit(2)
    lock_path = data_dir / LOCK_NAME
    info_path = data_dir / (LOCK_NAME + ".json")
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:        # (a TimeoutError, hence an OSError: first)
        click.echo(f"zwgk nightly: another run holds the lock {lock_path}{_lock_holder(info_path)}; nothing done.",
                   err=True)
        sys.exit(EXIT_LOCKED)
    except OSError as e:   # a data folder we may not write to
        click.echo(f"zwgk nightly: configuration error: cannot create the lock {lock_path}: {e}", err=True)
        sys.exit(2)
    old_handler = signal.signal(signal.SIGTERM, _on_sigterm)
    code = 1
    try:
        code = _run(app, config, data_dir, info_path, as_of=as_of, skip_mail=skip_mail, skip_crawl=skip_crawl,
                    sites=sites, timeout=stage_timeout, quiet=quiet)
    finally:
        signal.signal(signal.SIGTERM, old_handler)
        try:
            info_path.unlink()
        except OSError:
            pass
        lock.release()
    sys.exit(code)


def _run(app: AppContext, config, data_dir: Path, info_path: Path, *, as_of, skip_mail, skip_crawl, sites,
         timeout, quiet) -> int:

    started_mono = time.monotonic()
    logs_dir = data_dir / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    store = app.new_store()
    stale = reap_stale(store, info_path, now_iso())   # a night that died (kill -9) never says so itself
    run_id = store.start_run("nightly", as_of=as_of.isoformat() if as_of else None,
                             stats={"stages": {}, "pid": os.getpid()})
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    log = RunLog(logs_dir / f"nightly-{stamp}-{run_id}.log", echo=not quiet)
    info = {"pid": os.getpid(), "pgid": os.getpgid(0), "run": run_id, "started": now_iso(),
            "started_local": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "log": str(log.path)}
    info_path.write_text(json.dumps(info), encoding="utf-8")
    night = Night(app, config, log, run_id, as_of=as_of, skip_mail=skip_mail, skip_crawl=skip_crawl, sites=sites,
                  timeout=timeout, logs_dir=logs_dir, stamp=stamp)

    def child_info(stage: str, pid: int, pgid: int) -> None:
        info["child"] = {"stage": stage, "pid": pid, "pgid": pgid}
        info_path.write_text(json.dumps(info), encoding="utf-8")
    night.child_info = child_info
    if stale:
        log(f"closed as failed: run(s) {', '.join(f'#{i}' for i in stale)} left running by a night that died")
    log(f"zwgk nightly #{run_id}: database {Path(app.db_path).resolve()}, log {log.path}")
    interrupted = None
    try:
        for name, step in (("crawl", night.crawl), ("health", night.check_health), ("check", night.check),
                           ("report", night.report), ("mail", night.mail)):
            step()
            st = night.stages[name]
            mark = {"ok": "✓", "failed": "✗", "skipped": "–", "interrupted": "✗"}.get(st.status, "?")
            log(f"  {mark} {name:<7} {st.status:<8} {st.duration:7.1f} s" + (f"  {st.error}" if st.error else ""))
    except (Interrupted, KeyboardInterrupt) as e:
        interrupted = str(e) or type(e).__name__
        log(f"zwgk nightly #{run_id}: interrupted ({interrupted})")
        # the stage's child was killed: its run row (if it made one) did not finish
        with store.db.conn:
            store.db.execute("update runs set status = 'failed', finished = ? where status = 'running' "
                             "and kind != 'nightly' and id > ?", [now_iso(), run_id])
    status, summary, code = night.summary(started_mono, interrupted)
    store.finish_run(run_id, status, summary)
    removed = prune_logs(logs_dir, KEEP_LOG_DAYS)
    if removed:
        log(f"removed {removed} log files older than {KEEP_LOG_DAYS} days", echo=False)
    log("", echo=not quiet)
    log(format_run(store.run(run_id), verbose=not quiet), echo=True)
    log(f"exit {code}", echo=False)
    log.close()
    return code
