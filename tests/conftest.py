"""Shared fixtures. Several test files add fixtures here: keep the ones you did not write."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Test files live in area folders (crawl, rules, reports, night, replica); some import another's helpers
# (test_reports_data, test_rules_kinds, test_mail …) by module name, from whichever folder runs.
AREAS = ("crawl", "rules", "reports", "night", "replica")
sys.path[:0] = [str(ROOT / "tests" / area) for area in AREAS if str(ROOT / "tests" / area) not in sys.path]
# the CLI in a child process: the Twisted reactor can start only once per process
ZWGK_CMD = [sys.executable, "-c", "from zwgk.cli import main; main()"]


def write_replica_config(path: Path, urls: dict[str, str], *, columns: dict[str, list[dict]] | None = None,
                         recheck_days: int = 0, max_attachment_bytes: int = 20 * 1024 * 1024) -> Path:
    """A zwgk config whose four sites point at a running replica (``ReplicaServer.urls``).

    *columns* maps a site key to column dicts ({id, name, class}); a site without columns is
    crawled from its home page. Politeness is off (loopback), robots.txt is still obeyed.
    """
    lines = ["contact: zwgk-test@example.org",
             "bureau_aliases: [兖州区教育和体育局, 济宁市兖州区教育和体育局, 兖州区教体局, 区教体局]",
             "paths: {data: var}",   # relative to the config file's folder
             "sites:"]
    names = {"bureau": "济宁市兖州区教育和体育局", "province": "政务公开看山东", "city": "政务公开经验做法",
             "district": "政务公开看兖州"}
    for key, url in urls.items():
        lines += [f"  {key}:", f"    name: {names.get(key, key)}", f"    base_url: {url}", "    platform: jcms"]
        cols = (columns or {}).get(key)
        if cols:
            lines.append("    columns:")
            for c in cols:
                lines.append(f"      - {{id: \"{c['id']}\", name: \"{c.get('name') or ''}\", "
                             f"class: {c.get('class') or 'other'}}}")
    lines += ["units: [{name: 办公室}, {name: 计财科}, {name: 基础教育科}]",
              "crawl:",
              "  concurrency_per_host: 8",
              "  download_delay: 0",
              "  autothrottle: false",
              "  obey_robots: true",
              f"  max_attachment_bytes: {max_attachment_bytes}",
              f"  recheck_days: {recheck_days}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_zwgk(args: list[str], *, cwd: Path | None = None, timeout: float = 300,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `zwgk ARGS…` in a child process; returns the CompletedProcess (text mode)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    full_env.update(env or {})   # the caller's environment must not pick another database or config
    return subprocess.run(ZWGK_CMD + list(args), capture_output=True, text=True, timeout=timeout,
                          cwd=str(cwd or ROOT), env=full_env)


@pytest.fixture
def zwgk():
    """`zwgk(*args)` → CompletedProcess of the CLI run in a child process."""
    return lambda *args, **kw: run_zwgk(list(args), **kw)


def manifest_columns(manifest: dict, site: str = "bureau") -> dict[str, list[dict]]:
    """``write_replica_config(columns=…)`` for a site's columns as the replica manifest lists them,
    with their freshness class (as an operator configures them after `zwgk sites discover`)."""
    return {site: [{"id": c["id"], "name": c["name"], "class": c.get("class")}
                   for c in manifest["sites"][site]["columns"]]}


def site_stats(**kw) -> dict:
    """One site's crawl stats as the crawl records them (crawler/pipelines.site_stats), a healthy night by default."""
    s = {"new": 0, "changed": 0, "unchanged": 0, "withdrawn": 0, "columns": 0, "columns_normal": 0,
         "columns_blank": 0, "columns_unverifiable": 0, "links": 0, "broken_links": 0, "attachments": 0,
         "attachments_failed": 0, "errors": 0, "requests": 100, "refetched": 0, "not_modified": 0,
         "responses": 100, "bytes": 1, "unreachable": False, "finish_reason": "finished"}
    s.update(kw)
    return s


def column_table_rows(html: str) -> dict[str, list[str]]:
    """The dashboard's column freshness table as the reader sees it: 栏目 → its other cells' text."""
    table = html[html.index('id="column-table"'):]
    table = table[:table.index("</table>")]
    rows = {}
    for tr in re.findall(r"<tr data-status=.*?</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", " ", td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def db_rows(db: Path, sql: str, args=()) -> list[dict]:
    """Rows of a query on a store file, as dicts (read-only helper for assertions)."""
    import sqlite3

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def snapshot_db(src: Path, dst: Path) -> None:
    """Copy a store file as it is now (SQLite backup API: safe with WAL)."""
    import sqlite3

    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


# --- a real redis-server for the distributed crawl (tests/crawl/test_redis_*.py) ----------------------

def _free_port_for_redis() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server missing: `make test` installs it (scripts/install-test-deps.sh)")
        pytest.skip("redis-server not installed (scripts/install-test-deps.sh installs it as root)")
    port = _free_port_for_redis()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis
    r = redis.Redis(port=port)
    for _ in range(100):
        try:
            r.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)
