"""The store's search index under replacement, its migration from url-keyed rows, and batched writes."""
import sqlite3

import pytest
import sqlite_utils

from crawler import store as store_mod
from crawler import textseg
from crawler.store import Store

URL = "http://127.0.0.1/art/2020/3/1/art_1_9.html"


def doc(url=URL, **kw):
    d = {"url": url, "site": "bureau", "column_id": "3301", "column_name": "通知公告",
         "title": "关于开展专项检查的通知", "published": "2020-03-01", "body": "各学校：现就校舍维修检查通知如下。"}
    d.update(kw)
    return d


def fts_rows(store, url):
    return store.db.execute("select rowid, title, body from documents_fts where url = ?", [url]).fetchall()


def test_a_document_changed_three_times_has_one_search_row_found_by_its_new_words(tmp_path):
    with Store(tmp_path / "zwgk.db") as store:
        store.upsert_document(doc(url=URL.replace("9", "8"), title="体育器材采购公告", body="体育器材采购。"))
        assert store.upsert_document(doc()) == "new"
        bodies = ["现就食堂卫生检查通知如下。", "现就消防演练安排通知如下。", "现就疫情防控值班安排通知如下。"]
        for n, body in enumerate(bodies, start=2):
            assert store.upsert_document(doc(body=body), seen=f"2020-12-0{n}T00:00:00") == "changed"
        rows = fts_rows(store, URL)
        assert len(rows) == 1
        assert rows[0][0] == store.get_document(URL)["doc_id"]
        assert store.get_document(URL)["version"] == 4
        assert [r["url"] for r in store.search("疫情防控")] == [URL]
        for old_words in ("食堂卫生", "消防演练", "校舍维修"):
            assert store.search(old_words) == [], old_words
        # the other document's row is untouched
        assert [r["title"] for r in store.search("体育器材")] == ["体育器材采购公告"]
        assert store.db.execute("select count(*) from documents_fts").fetchone()[0] == 2


def _v3_store(path):
    """A store as m1–m3 left it, written the old way: search rows keyed by an UNINDEXED url."""
    db = sqlite_utils.Database(path)
    for number, step in enumerate(store_mod.MIGRATIONS[:3], start=1):
        with db.conn:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    for n, (title, body) in enumerate([("2020年部门预算", "三公经费预算公开"), ("招生工作方案", "学区划分和招生计划")]):
        url = f"http://127.0.0.1/art/{n}.html"
        db["documents"].insert({"url": url, "site": "bureau", "title": title, "body": body,
                                "published": "2020-01-0%d" % (n + 1), "state": "live", "version": 1,
                                "content_hash": "x%d" % n, "first_seen": "2020-01-01", "last_seen": "2020-01-01"})
        for _ in range(2):   # a stale duplicate row, as a crash between delete and insert could not leave, kept once
            db.execute("insert into documents_fts (url, title, body, attachments) values (?, ?, ?, '')",
                       [url, textseg.segment(title), textseg.segment(body)])
    db.conn.commit()
    db.close()


def test_a_v3_store_is_migrated_to_rows_keyed_by_the_document(tmp_path):
    path = tmp_path / "old.db"
    _v3_store(path)
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION
        assert store.db.execute("select count(*) from documents_fts").fetchone()[0] == 2
        assert [r["title"] for r in store.search("招生计划")] == ["招生工作方案"]
        url = "http://127.0.0.1/art/1.html"
        assert store.upsert_document(doc(url=url, title="招生工作方案", body="义务教育阶段入学报名")) == "changed"
        assert store.search("学区划分") == []
        assert [r["url"] for r in store.search("入学报名")] == [url]
        assert len(fts_rows(store, url)) == 1
        # the replacement's delete is a rowid lookup (FTS5 plan "INDEX 0:="; a url delete is "INDEX 0:", a scan)
        traced = []
        store.db.conn.set_trace_callback(traced.append)
        store.upsert_document(doc(url=url, title="招生工作方案", body="入学报名时间调整"))
        store.db.conn.set_trace_callback(None)
        deletes = [s for s in traced if "DELETE FROM DOCUMENTS_FTS" in s.upper()]
        assert deletes and all("ROWID" in s.upper() for s in deletes)
        for sql in deletes:
            plan = store.db.execute("explain query plan " + sql.replace("?", "1")).fetchall()
            assert plan[0][-1].endswith("INDEX 0:="), plan
        # a row written by other code still gets an id
        store.db["documents"].insert({"url": "http://127.0.0.1/x.html", "title": "x"})
        ids = [r[0] for r in store.db.execute("select doc_id from documents")]
        assert None not in ids and len(set(ids)) == len(ids) == 3


def test_a_batch_is_all_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / "zwgk.db"
    with Store(path) as store:
        with store.batch():
            store.upsert_document(doc(url=URL + "?a"))
            store.upsert_column({"site": "bureau", "column_id": "3301", "name": "通知公告", "state": "normal",
                                 "walk": "full"})
        with pytest.raises(RuntimeError):
            with store.batch():
                store.upsert_document(doc(url=URL + "?b"))
                store.mark_column_synced("bureau", "3301")
                # another connection sees nothing of the open batch
                other = sqlite3.connect(path)
                assert other.execute("select count(*) from documents").fetchone()[0] == 1
                other.close()
                raise RuntimeError("killed")
        assert [d["url"] for d in store.documents()] == [URL + "?a"]
        assert store.db.execute("select count(*) from documents_fts").fetchone()[0] == 1
        assert store.db.execute("select count(*) from versions").fetchone()[0] == 1
        assert store.columns()[0]["full_walk_at"] is None
        # a write failing half-way (row and version written, segmentation fails) leaves none of itself
        # and the batch's other writes
        segment = textseg.segment

        def failing(text):
            if text and "坏" in text:
                raise ValueError("segmentation failed")
            return segment(text)

        monkeypatch.setattr(textseg, "segment", failing)
        with store.batch():
            store.upsert_document(doc(url=URL + "?c"))
            with pytest.raises(ValueError):
                store.upsert_document(doc(url=URL + "?d", body="坏"))
        assert {d["url"] for d in store.documents()} == {URL + "?a", URL + "?c"}
        assert store.db.execute("select count(*) from versions").fetchone()[0] == 2
    with Store(path) as store:   # and it was committed
        assert store.count_documents() == 2
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1   # NORMAL
