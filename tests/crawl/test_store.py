"""The store: documents, versions, withdrawn state, runs and findings, Chinese full-text search."""
import json
import sqlite3

import pytest

from crawler import store as store_mod
from crawler.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "zwgk.db")
    yield s
    s.close()


def doc(url="http://127.0.0.1/art/2020/2/1/art_1_1.html", **kw):
    d = {"url": url, "site": "bureau", "column_id": "3301", "column_name": "财政预决算",
         "title": "兖州区教育和体育局2020年部门预算", "published": "2020-02-01",
         "publisher": "兖州区教育和体育局", "body": "现将我局2020年部门预算公开如下，详见附件。",
         "attachments": [{"url": "http://127.0.0.1/module/download/downfile.jsp?filename=a.pdf",
                          "name": "2020年部门预算.pdf", "type": "pdf", "text": "“三公”经费 合计 12.50 万元"}]}
    d.update(kw)
    return d


def test_schema_is_migrated_wal_and_versioned(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION
    for table in ("documents", "versions", "columns", "links", "runs", "findings", "deliveries", "attestations"):
        assert store.db[table].exists(), table
    # Opening again applies nothing.
    assert store_mod.migrate(store.db) == 0


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {store_mod.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


def test_upsert_new_unchanged_changed_keeps_versions(store):
    assert store.upsert_document(doc(), seen="2020-12-30T01:00:00") == "new"
    assert store.upsert_document(doc(), seen="2020-12-31T01:00:00") == "unchanged"
    row = store.get_document(doc()["url"])
    assert (row["first_seen"], row["last_seen"], row["version"]) == ("2020-12-30T01:00:00", "2020-12-31T01:00:00", 1)
    assert row["attachment_text"] == "“三公”经费 合计 12.50 万元"
    assert json.loads(row["attachments"])[0]["type"] == "pdf"

    assert store.upsert_document(doc(body="现将我局2020年部门预算（调整）公开如下。"),
                                 seen="2021-01-01T01:00:00") == "changed"
    row = store.get_document(doc()["url"])
    assert row["version"] == 2 and row["first_seen"] == "2020-12-30T01:00:00"
    versions = list(store.db.query("select version, diff from versions order by version"))
    assert [v["version"] for v in versions] == [1, 2]
    assert "-现将我局2020年部门预算公开如下，详见附件。" in versions[1]["diff"]
    assert "+现将我局2020年部门预算（调整）公开如下。" in versions[1]["diff"]


def test_withdrawn_and_back(store):
    store.upsert_document(doc())
    assert store.mark_withdrawn(doc()["url"], "2021-01-01") is True
    assert store.mark_withdrawn(doc()["url"], "2021-01-02") is False  # first missed date is kept
    row = store.get_document(doc()["url"])
    assert (row["state"], row["withdrawn_on"]) == ("withdrawn", "2021-01-01")
    assert store.search("部门预算") == []  # withdrawn documents are not search results
    store.touch_document(doc()["url"])
    assert store.get_document(doc()["url"])["state"] == "live"


def test_chinese_search_finds_two_character_words_and_attachment_text(store):
    store.upsert_document(doc())
    store.upsert_document(doc(url="http://127.0.0.1/art/2020/6/1/art_2_2.html",
                              title="兖州区2020年城区义务教育学校招生计划", column_name="招生入学",
                              body="各学校招生计划如下。", attachments=[]))
    store.upsert_document(doc(url="http://127.0.0.1/art/2020/3/1/art_3_3.html",
                              title="区教体局召开预算绩效管理培训会", published="2020-03-01",
                              body="会议强调预算执行。", attachments=[]))
    titles = lambda q: [r["title"] for r in store.search(q)]
    assert titles("招生") == ["兖州区2020年城区义务教育学校招生计划"]
    # 预算 is inside the dictionary word 部门预算: the index keeps both.
    assert set(titles("预算")) == {"兖州区教育和体育局2020年部门预算", "区教体局召开预算绩效管理培训会"}
    assert titles("部门预算") == ["兖州区教育和体育局2020年部门预算"]
    # Only in the attachment:
    assert titles("三公经费") == ["兖州区教育和体育局2020年部门预算"]
    assert titles("决算") == []


def test_search_ranks_title_matches_first(store):
    store.upsert_document(doc(url="u-body", title="工作动态", body="部门预算" * 3, attachments=[]))
    store.upsert_document(doc(url="u-title", title="2020年部门预算", body="见附件", attachments=[]))
    assert [r["url"] for r in store.search("部门预算")] == ["u-title", "u-body"]


def test_runs_and_findings_round_trip(store):
    run = store.start_run("check", as_of="2020-12-31")
    store.add_findings(run, [{"requirement": "1.2", "check": "final_account", "units": ["计财科"],
                              "status": "gap", "due": "2020-09-30",
                              "evidence": [{"url": "u", "title": "t", "published": "2020-01-01"}],
                              "message": "未公开2019年度部门决算"}])
    store.finish_run(run, "ok", {"gap": 1})
    latest = store.latest_run("check")
    assert latest["id"] == run and latest["stats"] == {"gap": 1} and latest["as_of"] == "2020-12-31"
    [f] = store.findings(run)
    assert (f["requirement"], f["check"], f["units"], f["status"]) == ("1.2", "final_account", ["计财科"], "gap")
    assert f["evidence"][0]["title"] == "t"


def test_db_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ZWGK_DB", str(tmp_path / "env.db"))
    s = Store()
    assert s.path == tmp_path / "env.db" and s.path.exists()
    s.close()
