"""The search index a crawl builds is made of the stored documents' own words, whether a new page's words were
segmented in the CPU worker with its extraction (spiders/indexwords.py), or by the store: a crawl with the
worker and one without give the same documents and the same search rows, and search finds a page by its words."""
from __future__ import annotations

import sqlite3

import pytest

from conftest import run_zwgk, write_replica_config
from crawler.searchindex import segments
from crawler.store import Store
from replica import ReplicaServer


def _rows(db, sql):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_a_crawl_with_the_worker_indexes_the_stored_words_like_one_without(tmp_path):
    with ReplicaServer(seed=1, scale=0.05, night=0) as rep:
        cfg = write_replica_config(tmp_path / "zwgk.yaml", rep.urls)
        for workers in (1, 0):
            done = run_zwgk(["--config", str(cfg), "--db", str(tmp_path / f"w{workers}.db"), "crawl",
                             "-s", f"ZWGK_CPU_WORKERS={workers}"], timeout=600)
            assert done.returncode == 0, done.stderr[-2000:]
    docs, index = {}, {}
    for workers in (1, 0):
        db = tmp_path / f"w{workers}.db"
        docs[workers] = {url: (title, body, att) for url, title, body, att in
                         _rows(db, "select url, title, body, attachment_text from documents")}
        index[workers] = {url: (title, body, att) for url, title, body, att in
                          _rows(db, "select url, title, body, attachments from documents_fts")}
    assert docs[1] == docs[0] and index[1] == index[0]
    assert len(docs[1]) > 100 and sum(1 for _, _, att in docs[1].values() if att) > 0
    assert index[1] == {url: segments(*texts) for url, texts in docs[1].items()}
    url, (title, body, _) = next((u, d) for u, d in sorted(docs[1].items()) if len(d[1]) > 20)
    with Store(tmp_path / "w1.db") as store:
        hits = [h["url"] for h in store.search(title, limit=50)]
    assert url in hits
