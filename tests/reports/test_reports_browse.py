"""`zwgk browse`: Datasette metadata, canned queries, and the jieba-segmenting search function."""
from __future__ import annotations

import asyncio
import importlib.util
import json
import sqlite3

import pytest

from reports.browse import PLUGINS_DIR, QUERIES, metadata
from test_reports_data import RUN2, make_world

DOCS = [
    ("http://127.0.0.1:9/art/2020/3/20/art_3302_1.html", "bureau", "3302", "财政预决算", "兖州区教育和体育局2020年部门预算",
     "2020-03-20", "部门预算公开说明"),
    ("http://127.0.0.1:9/art/2020/8/1/art_3302_2.html", "bureau", "3302", "财政预决算", "兖州区教育和体育局“三公”经费情况说明",
     "2020-08-01", "三公经费预算"),
    ("http://127.0.0.1:9/art/2020/9/1/art_3301_3.html", "bureau", "3301", "通知公告", "关于开学工作的通知",
     "2020-09-01", "开学"),
]


def plugin():
    spec = importlib.util.spec_from_file_location("zwgk_fts_plugin", PLUGINS_DIR / "zwgk_fts.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture()
def db(tmp_path):
    config, store, ids = make_world(tmp_path)
    for url, site, col, colname, title, published, body in DOCS:
        store.upsert_document({"url": url, "site": site, "column_id": col, "column_name": colname, "title": title,
                               "published": published, "body": body})
    for i in range(7):
        store.upsert_document({"url": f"http://127.0.0.1:9/art/2020/10/{i + 1}/art_3301_{10 + i}.html", "site": "bureau",
                               "column_id": "3301", "column_name": "通知公告", "title": f"通知{i}",
                               "published": f"2020-10-{i + 1:02d}", "body": "通知"})
    store.close()
    return tmp_path / "zwgk.db"


def query(db, name, **params):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    plugin().prepare_connection(conn)
    try:
        return [dict(r) for r in conn.execute(QUERIES[name]["sql"], params)]
    finally:
        conn.close()


def test_metadata_labels_and_queries(db):
    meta = metadata(db)
    json.dumps(meta, ensure_ascii=False)
    database = meta["databases"]["zwgk"]
    assert database["tables"]["documents"]["title"] == "文件"
    assert database["tables"]["documents"]["columns"]["published"] == "发布日期"
    assert database["tables"]["documents_fts"] == {"hidden": True}
    assert [q["title"] for q in database["queries"].values()] == ["各栏目最新文件", "各单位检查结果", "全文检索"]


def test_search_segments_like_the_index(db):
    rows = query(db, "search", q="部门预算")
    assert [r["标题"] for r in rows] == ["兖州区教育和体育局2020年部门预算"]
    rows = query(db, "search", q="三公经费")   # indexed as 三公 / 经费: found through the parts
    assert [r["标题"] for r in rows] == ["兖州区教育和体育局“三公”经费情况说明"]
    assert query(db, "search", q="招生结果") == []


def test_latest_per_column_and_findings_per_unit(db):
    rows = query(db, "latest_per_column")
    per = {}
    for r in rows:
        per.setdefault(r["栏目"], []).append(r["发布日期"])
    assert per["通知公告"] == ["2020-10-07", "2020-10-06", "2020-10-05", "2020-10-04", "2020-10-03"]
    assert per["财政预决算"] == ["2020-08-01", "2020-03-20"]
    assert {r["来源"] for r in rows} == {"局网站"}          # the source in words, not its key
    rows = query(db, "findings_per_unit", unit="计财科")
    assert [(r["要求编号"], r["状态"]) for r in rows] == [("6.1", "无法核实"), ("1.1", "已满足"), ("1.2", "已满足")]
    everyone = query(db, "findings_per_unit", unit="")
    assert len(everyone) == sum(max(1, len(f["units"])) for f in RUN2)
    assert ("（未指定）", "7.2") in {(r["责任单位"], r["要求编号"]) for r in everyone}


def test_datasette_serves_the_canned_queries(db):
    from datasette.app import Datasette

    async def run():
        ds = Datasette([str(db)], metadata=metadata(db), plugins_dir=str(PLUGINS_DIR))
        await ds.invoke_startup()
        search = await ds.client.get("/zwgk/search.json?q=部门预算&_shape=array")
        assert search.status_code == 200, search.text
        page = await ds.client.get("/zwgk")
        return search.json(), page.text

    rows, page = asyncio.run(run())
    assert [r["标题"] for r in rows] == ["兖州区教育和体育局2020年部门预算"]
    assert "全文检索" in page and "各单位检查结果" in page


def test_stopping_zwgk_browse_stops_datasette(db, tmp_path):
    """`zwgk browse` becomes Datasette (exec): SIGTERM to the pid the operator started frees the port."""
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from zwgk.cli import main; main()", "--db", str(db),
                             "browse", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/zwgk.json", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()
                time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) is not None
        with socket.socket() as s:          # nothing left listening: the port can be taken again
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # (a closed connection may linger in TIME_WAIT)
            s.bind(("127.0.0.1", port))
            s.listen()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
