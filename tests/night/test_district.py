"""A district of seven bureaus on the replica's multi-bureau mode (replica/bureaus.py, 8 hosts): each
bureau's own sub-site (own seed, its own choice of columns) plus one upper-level column on the 8th host
that all of them report to; bureau b07 also configures a site that does not answer.

`zwgk --config district.yaml nightly` crawls the shared column once and keeps each bureau's documents in
its own store; then the operator's commands run on the district configuration, read as the operator
reads them: `status` (one table of bureaus, exit 1 while a critical alarm is open in any bureau),
`health`, `check`, `mail` (a real SMTP server: every bureau's unit mails plus the district office's
overview), `search`, `sites list`, `report`, and the commands that need one bureau (`--bureau NAME`).
"""
from __future__ import annotations

import collections
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
SCALE = 0.01
AS_OF = "2020-12-31"
pytestmark = pytest.mark.timeout(900)

# the bureau sites' columns (ids of the replica's jcms site): each bureau configures its own subset
COLUMNS = ("3301", "3302", "3304", "3308", "3315", "3318", "3339")
CHOSEN = {"b01": COLUMNS, "b02": COLUMNS[:3], "b03": COLUMNS[:5], "b04": COLUMNS[1:5], "b05": COLUMNS[:6],
          "b06": COLUMNS[3:5], "b07": COLUMNS}
SHARED = "3342"            # the upper-level column on b08's host
OFFICE = "zwgk-office@example.org"
DEAD = "http://127.0.0.1:9"   # discard port: nothing answers


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"

    def parsed(self):
        return [(rcpts, message_from_bytes(raw, policy=policy.default)) for rcpts, raw in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(tmp: Path, *args: str):
    """A quick command in this process (click's runner: separate stdout and stderr, the exit code)."""
    from click.testing import CliRunner

    from zwgk.cli import cli as group

    r = CliRunner().invoke(group, ["--config", str(tmp / "district.yaml"), *args],
                           env={"ZWGK_DB": None, "ZWGK_CONFIG": None}, catch_exceptions=False)
    return SimpleNamespace(returncode=r.exit_code, stdout=r.stdout, stderr=r.stderr)


def zwgk(tmp: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    return subprocess.run(ZWGK + ["--config", str(tmp / "district.yaml"), *args], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from aiosmtpd.controller import Controller

    tmp = tmp_path_factory.mktemp("district")
    ports = tmp / "ports.json"
    rep = subprocess.Popen([sys.executable, "-m", "replica.bureaus", "--count", "8", "--scale", str(SCALE),
                            "--ports-file", str(ports), "--parent-pid", str(os.getpid())], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    try:
        while not ports.exists():
            time.sleep(0.05)
        urls = json.loads(ports.read_text())
        production = yaml.safe_load((ROOT / "config" / "production.yaml").read_text(encoding="utf-8"))
        (tmp / "bureaus").mkdir()
        for key, cols in CHOSEN.items():
            sites = {"bureau": {"name": f"{key}局", "base_url": urls[key], "platform": "jcms",
                                "columns": [{"id": c} for c in cols]},
                     "district": {"name": "政务公开看兖州", "base_url": urls["b08"], "platform": "jcms",
                                  "columns": [{"id": SHARED, "name": "政务公开看兖州"}]}}
            if key == "b07":
                sites["city"] = {"name": "市级栏目", "base_url": DEAD, "platform": "jcms", "columns": [{"id": "1"}]}
            cfg = {"contact": f"{key}@example.org", "sites": sites, "units": production["units"],
                   "lead_unit": production.get("lead_unit", "办公室")}
            (tmp / "bureaus" / f"{key}.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
        (tmp / "district.yaml").write_text(
            "contact: zwgk-test@example.org\npaths: {data: var}\n"
            "crawl: {concurrency_per_host: 2, download_delay: 0, autothrottle: false}\n"
            f"mail: {{host: 127.0.0.1, port: {smtp.port}, sender: zwgk@example.org}}\n"
            f"office: {{name: 区政务公开办公室, email: [{OFFICE}]}}\n"
            "bureaus_dir: bureaus\n", encoding="utf-8")
        night = zwgk(tmp, "nightly", "--skip-mail", "--as-of", AS_OF)
        overview = tmp / "var" / "reports" / "overview.json"
        night_overview = json.loads(overview.read_text(encoding="utf-8")) if overview.exists() else None
        logs = {k: json.load(urllib.request.urlopen(u + "/__replica__/requests.json")) for k, u in urls.items()}
        yield {"tmp": tmp, "urls": urls, "night": night, "logs": logs, "inbox": inbox, "overview": night_overview}
    finally:
        smtp.stop()
        rep.terminate()
        rep.wait(10)


def _rows(db: Path, sql: str, args=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _db(district, key) -> Path:
    return district["tmp"] / "var" / key / "zwgk.db"


def _latest_counts(db: Path) -> dict[str, int]:
    run = _rows(db, "select max(id) from runs where kind = 'check' and status = 'ok'")[0][0]
    return dict(_rows(db, "select status, count(*) from findings where run_id = ? group by status", [run]))


def test_each_bureau_keeps_its_own_documents(district):
    from replica.build import build_world

    night = district["night"]
    # the night completes for everyone; b07's dead site makes it an operational failure (exit 1)
    assert night.returncode == 1, night.stdout[-3000:] + night.stderr[-3000:]
    for i, key in enumerate(CHOSEN):
        want = {district["urls"][key] + d["url"] for d in build_world(1 + i, SCALE, 0).manifest()["documents"]
                if d["site"] == "bureau" and d["column"] in CHOSEN[key]}
        got = {r[0] for r in _rows(_db(district, key), "select url from documents where site = 'bureau'")}
        assert want and got == want, key


def test_shared_column_crawled_once_and_stored_in_every_bureau(district):
    shared = [sorted(_rows(_db(district, k), "select url, title, body from documents where site = 'district'"))
              for k in CHOSEN]
    assert shared[0] and all(s == shared[0] for s in shared)
    seen = collections.Counter((r["method"], r["path"], r.get("body")) for r in district["logs"]["b08"]["requests"])
    assert seen and all(n == 1 for n in seen.values()), [k for k, n in seen.items() if n > 1][:5]


def test_status_one_table_of_bureaus_exit_1_on_a_critical_alarm_anywhere(district):
    tmp = district["tmp"]
    out = cli(tmp, "status")
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("单位"))
    rows = {line.split()[0]: line for line in lines[head + 1:head + 1 + len(CHOSEN)]}
    assert list(rows) == list(CHOSEN)
    for key, line in rows.items():
        c = _latest_counts(_db(district, key))
        cells = line.split()
        # 单位 名称 #id date time 结果 date time 结果 缺失 逾期 无法核实 已满足 覆盖率 告警 数据库
        assert cells[9:13] == [str(c.get(s, 0)) for s in ("gap", "late", "unverifiable", "met")], line
        assert cells[-1] == str(_db(district, key).resolve())
        assert cells[-2] == ("1(1)" if key == "b07" else "0(0)"), line
    assert "b07 #" in out.stdout and "市级栏目无法访问" in out.stdout and DEAD in out.stdout
    assert cli(tmp, "status", "--exit-zero").returncode == 0
    data = json.loads(cli(tmp, "status", "--json", "--exit-zero").stdout)
    assert [b["key"] for b in data["bureaus"]] == list(CHOSEN) and data["critical_alarms"] == 1
    assert data["bureaus"][1]["counts"] == _latest_counts(_db(district, "b02"))
    one = cli(tmp, "status", "--bureau", "b03")        # that bureau alone: its own status, no alarm there
    assert one.returncode == 0 and f"数据库：{_db(district, 'b03').resolve()}" in one.stdout
    assert cli(tmp, "--bureau", "b07局", "status").returncode == 1     # by name, before the command


def test_health_lists_every_bureau_and_exits_1(district):
    tmp = district["tmp"]
    out = cli(tmp, "health")
    assert out.returncode == 1
    heads = [line for line in out.stdout.splitlines() if line.startswith("== ")]
    assert [h.split()[1] for h in heads] == list(CHOSEN)
    assert heads[-1].endswith("1 条告警") and all(h.endswith("没有告警") for h in heads[:-1])
    assert cli(tmp, "health", "--bureau", "b01").returncode == 0


def test_each_bureaus_night_summary_says_what_the_district_monitors_found(district):
    """The district ran the crawl-health monitors on every crawl run a bureau received (its own sites'
    and the shared column's copy); each bureau's night summary reports them instead of "health skipped"."""
    night = district["night"].stdout
    for key in CHOSEN:
        db = _db(district, key)
        first_night, stats = _rows(db, "select id, stats from runs where kind = 'nightly' order by id limit 1")[0]
        stats = json.loads(stats)
        crawls = [r[0] for r in _rows(db, "select id from runs where kind = 'crawl' and id < ? order by id",
                                      [first_night])]
        health = stats["stages"]["health"]
        assert health["status"] == "ok", (key, health)
        assert len(crawls) == (3 if key == "b07" else 2) and health["detail"]["crawl_runs"] == crawls, (key, health)
        # the stores were new: every alarm in them was opened tonight, by these crawl runs
        opened = _rows(db, "select id, message from alarms order by id")
        assert [a["id"] for a in stats["alarms"]["new"]] == [a[0] for a in opened], key
        assert health["detail"]["new"] == len(opened) and stats["alarms"]["evaluated"] is True
        if key == "b07":
            assert len(opened) == 1 and "市级栏目无法访问" in opened[0][1]
            block = night.split(f"{os.sep}b07{os.sep}zwgk.yaml nightly", 1)[1].split("$ zwgk", 1)[0]
            assert f"新告警 #{opened[0][0]}：{opened[0][1]}" in block, block[-2000:]
            assert "health（跳过" not in block and "✓ health" in block
        else:
            assert opened == []


def test_commands_needing_one_bureau_say_so_in_one_line(district):
    tmp = district["tmp"]
    before = _rows(_db(district, "b02"), "select count(*) from documents")[0][0]
    (tmp / "docs.jsonl").write_text(json.dumps({"url": "http://example.org/x.html", "title": "外来文件",
                                                "published": "2020-05-01", "site": "bureau"}) + "\n", encoding="utf-8")
    for args in (["attest", "1.1", "--unit", "办公室", "--note", "已公开"], ["db", "import", str(tmp / "docs.jsonl")],
                 ["browse"], ["plan", "show"], ["crawl"], ["mail", "--run", "1"]):
        out = cli(tmp, *args)
        assert out.returncode == 2 and out.stdout == "", (args, out.stdout, out.stderr)
        line, = out.stderr.splitlines()
        assert line.startswith(f"zwgk {args[0]}") and "--bureau NAME" in line, line
        assert all(f"{k} ({k}局)" in line for k in CHOSEN), line
    bad = cli(tmp, "status", "--bureau", "b99")
    line, = bad.stderr.splitlines()
    assert bad.returncode == 2 and "'b99'" in line and "b01 (b01局)" in line and "b07 (b07局)" in line
    # with --bureau (key or name) the command works on that bureau's store only
    ok = cli(tmp, "db", "import", str(tmp / "docs.jsonl"), "--bureau", "b02局")
    assert ok.returncode == 0, ok.stderr
    assert _rows(_db(district, "b02"), "select count(*) from documents")[0][0] == before + 1
    assert not _rows(_db(district, "b03"), "select url from documents where url = 'http://example.org/x.html'")


def test_check_runs_every_bureau(district):
    tmp = district["tmp"]
    before = {k: _rows(_db(district, k), "select max(id) from runs where kind = 'check'")[0][0] for k in CHOSEN}
    out = zwgk(tmp, "check", "--as-of", AS_OF)
    assert out.returncode == 0, out.stderr
    summary = out.stdout.split(f"个单位已检查（截至{AS_OF}）：")[1].splitlines()[1:]
    assert [line.split()[0] for line in summary] == list(CHOSEN)
    for key, line in zip(CHOSEN, summary):
        db = _db(district, key)
        run = _rows(db, "select max(id) from runs where kind = 'check'")[0][0]
        assert run > before[key] and f"检查运行 #{run}" in line
        c = _latest_counts(db)
        assert f"缺失 {c.get('gap', 0)} " in line and f"已满足 {c.get('met', 0)}" in line, line
    gaps = {k: _latest_counts(_db(district, k)).get("gap", 0) for k in CHOSEN}
    assert len(set(gaps.values())) > 1, gaps     # the bureaus really differ (the overview has an order to show)


def test_overview_lists_bureaus_worst_first_with_links(district):
    tmp = district["tmp"]
    written = district["overview"]           # by the night itself, from the bureaus' check runs
    assert written and [r["key"] for r in written] == sorted(CHOSEN, key=lambda k: (
        -next(r for r in written if r["key"] == k)["counts"]["gap"],
        -next(r for r in written if r["key"] == k)["counts"]["late"],
        next(r for r in written if r["key"] == k)["coverage"], k))
    assert all(Path(r["index"]).exists() and r["check_run"] for r in written)
    out = zwgk(tmp, "report")
    assert out.returncode == 0, out.stderr
    reports = tmp / "var" / "reports"
    page = (reports / "index.html").read_text(encoding="utf-8")
    rows = json.loads((reports / "overview.json").read_text(encoding="utf-8"))
    assert {r["key"] for r in rows} == set(CHOSEN)
    gaps = [r["counts"]["gap"] for r in rows]
    assert gaps == sorted(gaps, reverse=True) and gaps[0] > gaps[-1]
    for r in rows:
        assert r["error"] is None and Path(r["index"]).exists()
        assert r["counts"]["gap"] == _latest_counts(_db(district, r["key"])).get("gap", 0)
    links = [line.split('href="')[1].split('"')[0] for line in page.splitlines() if 'href="' in line]
    assert links == [f"{r['key']}/index.html" for r in rows]     # in the worst-first order


def test_mail_sends_every_bureaus_mails_and_the_office_overview(district):
    tmp, inbox = district["tmp"], district["inbox"]
    zwgk(tmp, "report")
    start = len(inbox.messages)
    out = zwgk(tmp, "mail")
    assert out.returncode == 0, out.stderr
    sent = [int(line.split()[0].split("=")[1]) for line in out.stdout.splitlines() if line.startswith("sent=")]
    assert len(sent) == len(CHOSEN) and all(n > 0 for n in sent)
    new = inbox.parsed()[start:]
    assert len(new) == sum(sent) + 1
    office = [m for rcpts, m in new if rcpts == [OFFICE]]
    assert len(office) == 1 and f"区县总览 → 区政务公开办公室：已发送 → {OFFICE}" in out.stdout
    overview = office[0]
    gaps = {k: _latest_counts(_db(district, k)).get("gap", 0) for k in CHOSEN}
    assert f"{len(CHOSEN)}个单位，缺失{sum(gaps.values())}项" in str(overview["Subject"])
    text = overview.get_body(("plain",)).get_content()
    listed = [line.split()[0] for line in text.splitlines() if line[:1] == "b"]
    assert [gaps[k] for k in listed] == sorted(gaps.values(), reverse=True) and set(listed) == set(CHOSEN)
    for key in CHOSEN:
        assert f"{key}  {key}局：缺失 {gaps[key]}，" in text
        assert str((tmp / "var" / "reports" / key / "index.html").resolve()) in text
    html = overview.get_body(("html",)).get_content()
    assert (tmp / "var" / "reports" / "b01" / "index.html").resolve().as_uri() in html
    # again: nothing is sent twice
    again = zwgk(tmp, "mail")
    assert again.returncode == 0 and len(inbox.messages) == start + len(new)
    assert "总览已发送" in again.stdout


def test_search_and_sites_list_across_bureaus(district):
    tmp = district["tmp"]
    title = _rows(_db(district, "b02"), "select title from documents where site = 'bureau' "
                                        "and title not in (select title from documents where site = 'district') limit 1")[0][0]
    out = cli(tmp, "search", title, "--json")
    hits = [json.loads(line) for line in out.stdout.splitlines()]
    assert any(h["bureau"] == "b02" and h["title"] == title for h in hits)
    urls = [h["url"] for h in hits]
    assert len(urls) == len(set(urls))          # a shared column's document once
    listing = cli(tmp, "sites", "list")
    assert listing.returncode == 0
    heads = [line.split()[1] for line in listing.stdout.splitlines() if line.startswith("== ")]
    assert heads == list(CHOSEN)
    assert listing.stdout.count(f"          {SHARED} ") == len(CHOSEN)


def test_bureau_option_after_the_command():
    from zwgk.bureau_context import hoist_bureau

    assert hoist_bureau(["status", "--bureau", "b01", "-n", "3"]) == ["--bureau", "b01", "status", "-n", "3"]
    assert hoist_bureau(["search", "--bureau=b02", "x"]) == ["--bureau=b02", "search", "x"]
    assert hoist_bureau(["search", "--", "--bureau", "x"]) == ["search", "--", "--bureau", "x"]


def test_single_bureau_config_is_a_district_of_one(tmp_path):
    from crawler.bureaus import crawl_units, load_district

    cfg = tmp_path / "zwgk.yaml"
    cfg.write_text("contact: a@example.org\nsites:\n  bureau: {name: x, base_url: 'http://127.0.0.1:1'}\n"
                   "  province: {name: p, base_url: 'http://127.0.0.1:2'}\nunits: [{name: 办公室}]\n",
                   encoding="utf-8")
    d = load_district(cfg)
    assert d.single and list(d.bureaus) == [""]
    assert [u.id for u in crawl_units(d)] == ["bureau", "province"]


def test_district_config_errors_name_the_line(tmp_path):
    from crawler.bureaus import load_district
    from crawler.config import ConfigError

    path = tmp_path / "d.yaml"
    path.write_text("contact: a@example.org\nbureaus:\n  edu: missing.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_district(path)
    assert ":3:" in str(e.value) and "missing.yaml" in str(e.value)
    (tmp_path / "b.yaml").write_text("contact: b@example.org\nsites:\n  bureau: {name: x, base_url: "
                                     "'http://127.0.0.1:1'}\nunits: [{name: 办公室}]\n", encoding="utf-8")
    path.write_text("bureaus: {x: b.yaml}\noffice: {name: 办公室, email: [not-an-address]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_district(path)
    assert "d.yaml:2:" in str(e.value) and "office.email" in str(e.value)


def test_district_sections_are_checked_and_replace_the_bureaus(tmp_path):
    from crawler.bureaus import load_district
    from crawler.config import ConfigError

    (tmp_path / "b.yaml").write_text("contact: b@example.org\nsites:\n  bureau: {name: x, base_url: "
                                     "'http://127.0.0.1:1'}\nunits: [{name: 办公室}]\ncrawl: {concurrency_per_host: 5}\n",
                                     encoding="utf-8")
    path = tmp_path / "d.yaml"
    path.write_text("contact: d@example.org\ncrawl: {concurrency_per_host: 0}\nbureaus: {x: b.yaml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_district(path)
    assert "d.yaml:2:" in str(e.value) and "concurrency_per_host" in str(e.value)
    path.write_text("contact: d@example.org\ncrawl: {concurrency_per_host: 3}\nbureaus: {x: b.yaml}\n", encoding="utf-8")
    d = load_district(path)
    assert d.bureaus["x"].crawl.concurrency_per_host == 3 and d.bureaus["x"].contact == "d@example.org"
    assert d.db_path("x") == tmp_path / "var" / "x" / "zwgk.db"
    assert d.find("x") == "x" and d.find("x") == d.find(d.bureaus["x"].bureau_name)
    with pytest.raises(ValueError, match=r"known: x \(x\)"):
        d.find("y")


def test_a_shared_site_keeps_each_bureaus_own_key(tmp_path):
    """One bureau files the upper-level column under `district`, another under `city`: one crawl unit,
    and the copy (documents, columns, the crawl's figures) lands under the receiving bureau's key."""
    from crawler.alarms import site_stats_of
    from crawler.store import Store
    from zwgk.district import copy_crawl_run, copy_site

    src, dst = tmp_path / "a.db", tmp_path / "b.db"
    with Store(src) as s:
        s.upsert_document({"url": "http://up.example/art/1.html", "site": "district", "column_id": "9",
                           "title": "上级栏目文件", "published": "2020-06-01", "body": "正文"})
        s.upsert_column({"site": "district", "column_id": "9", "name": "上级栏目", "state": "normal"})
        rid = s.start_run("crawl")
        s.finish_run(rid, "ok", {"sites": ["district"], "district": {"requests": 3, "responses": 3}})
    assert copy_site(src, dst, "district", "city")["new"] == 1
    copied = copy_crawl_run(src, dst, 0, "district", "city")
    with Store(dst) as d:
        assert [(r["site"], r["title"]) for r in d.documents()] == [("city", "上级栏目文件")]
        assert [c["site"] for c in d.columns()] == ["city"]
        per_site, planned = site_stats_of(d.run(copied))
        assert planned == ["city"] and per_site["city"]["responses"] == 3
