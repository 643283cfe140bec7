"""Reading commands with `--db` alone: the store keeps the configuration (sites, units) and the plan as checked
(migration m6, crawler/configcopy.py), so a copy of the database answers `report`, `search`, `status`,
`sites list` and `browse` as the configured original does. Without either, one line says what is missing.
Reads the commands' output and the reports they write."""
from __future__ import annotations

import json
import sqlite3

import sqlite_utils
from click.testing import CliRunner

from conftest import snapshot_db
from crawler.store import MIGRATIONS, Store
from zwgk.cli import cli

CONFIG = """\
contact: admin@example.org
bureau_aliases: [某县教育局, 县教育局]
paths: {plan: plan.yaml}
sites:
  bureau:
    name: 某县教育局（测试）
    base_url: "http://127.0.0.1:9"
    columns:
      - {id: "11", name: 财政资金, class: 政策文件}
      - {id: "12", name: 工作动态, class: 动态}
  city: {name: 某市人民政府, base_url: "http://127.0.0.2:9"}
units:
  - {name: 综合股, kind: office, email: [zh@example.org]}
  - {name: 财务股, kind: section, aliases: [财务室], email: [cw@example.org], columns: [财政资金], issuers: [某教财]}
  - {name: 各股室, kind: group, members: [综合股, 财务股], contact: 综合股}
lead_unit: 综合股
"""

# a plan nobody ships: its words in a report can only come from the file, or from the store's copy of it
PLAN = """\
year: 2020
title: 某县教育局2020年公开要点
sections:
  - title: 一、预算公开
    tasks:
      - number: 1
        title: 预算决算公开
        requirements:
          - id: "1.1"
            text: 公开本局2020年部门预算并附说明，供核对用的独有句子甲乙丙。
            units: [财务室]
            checks:
              - {name: 部门预算, kind: deadline, params: {what: 本局2020年部门预算, due: "03-31", match: {all: [[部门预算]], site: [bureau]}}}
          - id: "1.2"
            text: 网站链接保持有效，独有句子丁戊己。
            units: [各股室]
            checks:
              - {name: 失效链接, kind: links, params: {max_broken: 0}}
"""

PAGE = "http://127.0.0.1:9/art/2020/3/2/art_12_7.html"
DOCS = [  # (url, column_id, column_name, title, published, body)
    ("http://127.0.0.1:9/art/2020/2/1/art_11_5.html", "11", "财政资金", "某县教育局2020年部门预算", "2020-02-01", "部门预算全文"),
    (PAGE, "12", "工作动态", "县教育局召开春季开学工作会议", "2020-03-02", "会议通知见附件，部门预算执行情况见链接"),
]
LINK_TEXT = "2020年预算执行表（点击查看）"


def run(*args, cwd=None):
    return CliRunner().invoke(cli, list(args), env={"ZWGK_CONFIG": None, "ZWGK_DB": None}, catch_exceptions=False)


def _world(tmp_path):
    """A configured bureau, two stored articles, one broken link, checked with the configuration."""
    home = tmp_path / "configured"
    home.mkdir()
    (home / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    (home / "plan.yaml").write_text(PLAN, encoding="utf-8")
    with Store(home / "zwgk.db") as store:
        for url, cid, cname, title, published, body in DOCS:
            store.upsert_document({"url": url, "site": "bureau", "column_id": cid, "column_name": cname,
                                   "title": title, "published": published, "publisher": "某县教育局", "body": body})
        store.record_links([{"from_url": PAGE, "to_url": "http://127.0.0.1:9/art/2019/1/1/gone.html",
                             "status": 404, "kind": "internal", "text": LINK_TEXT},
                            {"from_url": PAGE, "to_url": DOCS[0][0], "status": 200, "kind": "internal", "text": "预算"}])
        store.upsert_column({"site": "bureau", "column_id": "11", "name": "财政资金", "state": "normal",
                             "item_count": 1, "last_item_date": "2020-02-01"})
    res = run("--config", str(home / "zwgk.yaml"), "--db", str(home / "zwgk.db"), "check", "--as-of", "2020-12-31")
    assert res.exit_code == 0, res.output
    return home


def _alone(tmp_path, home):
    """Only the database file, somewhere else: no configuration beside it, none in the working folder."""
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    snapshot_db(home / "zwgk.db", copy)
    return copy


def _reports_text(folder) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("units/*.txt"))}


def test_a_copied_database_reports_searches_and_lists_as_the_configured_one(tmp_path, monkeypatch):
    home = _world(tmp_path)
    copy = _alone(tmp_path, home)
    monkeypatch.chdir(tmp_path)            # no zwgk.yaml here
    configured = ["--config", str(home / "zwgk.yaml"), "--db", str(home / "zwgk.db")]
    alone = ["--db", str(copy)]
    with_config = {args: run(*configured, *args) for args in (("search", "部门预算"), ("sites", "list"))}
    configured_out = tmp_path / "with-config"
    assert run(*configured, "report", "--out", str(configured_out)).exit_code == 0
    (home / "plan.yaml").unlink()          # the plan as checked is the store's copy, not the file

    for args, expected in with_config.items():
        with_db = run(*alone, *args)
        assert with_db.exit_code == 0 == expected.exit_code, with_db.output
        assert with_db.output == expected.output, args
    listed = run(*alone, "sites", "list").output.splitlines()
    assert listed[0] == "bureau    某县教育局（测试）  http://127.0.0.1:9  [jcms]"
    assert "11" in listed[1] and "财政资金" in listed[1] and "1条，最新 2020-02-01" in listed[1]
    assert "12" in listed[2] and "工作动态" in listed[2] and "未抓取" in listed[2]
    assert listed[3].startswith("city      某市人民政府")
    # the bureau's own document first: its name and aliases came from the store
    first = run(*alone, "search", "部门预算").output.splitlines()[0]
    assert first.endswith("  某县教育局2020年部门预算") and "  局网站" in first

    status = run(*alone, "status")
    assert status.exit_code == 0 and f"数据库：{copy.resolve()}" in status.output

    res = run(*alone, "report")
    assert res.exit_code == 0, res.output
    out = copy.parent / "reports"          # beside the copy: the original machine's folders are not used
    assert f"仪表盘：{out / 'index.html'}" in res.output
    lines = res.output.splitlines()
    assert lines[0].endswith("2 项要求，缺失 1，逾期公开 0，临近期限 0，已满足 1。")
    assert [line.split(" → ")[0] for line in lines[1:-1]] == ["  综合股：待处理 1 项", "  财务股：待处理 0 项"]
    texts = _reports_text(out)
    finance = next(t for name, t in texts.items() if "财务股" in name)
    assert "独有句子甲乙丙" in finance                       # the requirement in the checked plan's words
    office = next(t for name, t in texts.items() if "综合股" in name)
    assert "独有句子丁戊己" in office                         # the group's item reached its contact
    assert f"“{LINK_TEXT}”链接失效" in office and "县教育局召开春季开学工作会议" in office

    assert _reports_text(configured_out) == texts      # the same reports, word for word

    meta = tmp_path / "meta.json"
    assert run(*alone, "browse", "--metadata-only", str(meta)).exit_code == 0
    assert "某县教育局" in json.dumps(json.loads(meta.read_text(encoding="utf-8")), ensure_ascii=False)


def test_without_configuration_or_stored_copy_one_line_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "bare.db"
    with Store(db) as store:
        store.upsert_document({"url": DOCS[0][0], "site": "bureau", "column_id": "11", "title": DOCS[0][3],
                               "published": DOCS[0][4], "body": DOCS[0][5]})
    for args in (["report"], ["sites", "list"]):
        res = CliRunner().invoke(cli, ["--db", str(db), *args], env={"ZWGK_CONFIG": None, "ZWGK_DB": None})
        assert res.exit_code == 2, (args, res.output)
        assert res.stdout == "" and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert f"数据库 {db.resolve()} 中也没有配置副本" in res.stderr
        assert "--config PATH" in res.stderr and "zwgk crawl" in res.stderr
    # search needs no configuration: it still answers (the bureau's site first)
    assert run("--db", str(db), "search", "部门预算").exit_code == 0


def _m5_store(path) -> None:
    """A store as the previous zwgk left it (schema 5), with a document and a checked link."""
    db = sqlite_utils.Database(path)
    for number, step in enumerate(MIGRATIONS[:5], start=1):
        step(db)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute("INSERT INTO documents (url, site, column_id, title, published, body, state, version, content_hash) "
               "VALUES (?, 'bureau', '11', ?, ?, ?, 'live', 1, 'x')", [DOCS[0][0], DOCS[0][3], DOCS[0][4], DOCS[0][5]])
    db.execute("INSERT INTO links (from_url, to_url, status, checked_at, kind) VALUES (?, ?, 404, '2020-12-01', 'internal')",
               [PAGE, "http://127.0.0.1:9/gone.html"])
    db.conn.commit()
    db.close()


def test_an_m5_store_migrates_and_keeps_working(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "old.db"
    _m5_store(old)
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    res = run("--db", str(old), "sites", "list")     # ./zwgk.yaml: as before
    assert res.exit_code == 0 and "财政资金" in res.output, res.output
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
    assert conn.execute("select to_url, status, text from links").fetchall() == [
        ("http://127.0.0.1:9/gone.html", 404, None)]
    assert conn.execute("select count(*) from config_units").fetchone()[0] == 0   # reading stores nothing
    conn.close()
    res = run("--db", str(old), "check", "--as-of", "2020-12-31")
    assert res.exit_code == 0, res.output
    (tmp_path / "zwgk.yaml").unlink()
    res = run("--db", str(old), "sites", "list")     # now from the copy the check stored
    assert res.exit_code == 0 and "bureau    某县教育局（测试）" in res.output, res.output
