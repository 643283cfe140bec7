"""`db import` segments in worker processes: the same search rows as segmenting in-process, nothing
segmented again for an unchanged document, and the counts unchanged."""
import json
import sqlite3

from crawler import searchindex
from crawler.store import Store
from rules.dbimport import import_jsonl

TOPICS = ["部门预算公开", "学区划分方案", "招生计划", "三公经费决算", "政策解读", "征求意见稿"]


def lines(n, edition=""):
    return [json.dumps({"url": f"http://127.0.0.1/imp/{i}.html", "title": f"{TOPICS[i % 6]}第{i}号{edition}",
                        "published": "2020-06-01", "site": "bureau",
                        "body": f"关于{TOPICS[(i + 1) % 6]}的通知。{edition}第{i}条。"}, ensure_ascii=False)
            for i in range(n)]


def rows(path):
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("select url, title, body, attachments from documents_fts").fetchall())
    finally:
        conn.close()


def test_workers_give_the_same_search_rows_and_skip_unchanged_documents(tmp_path, monkeypatch):
    with Store(tmp_path / "here.db") as store:
        here = import_jsonl(store, lines(150), workers=0)
    calls = []
    real = searchindex.Presegmenter.segmented

    def counting(self, store, docs):
        out = real(self, store, docs)
        calls.append(sum(f is not None for f in out))
        return out

    monkeypatch.setattr(searchindex.Presegmenter, "segmented", counting)
    with Store(tmp_path / "pool.db") as store:
        pooled = import_jsonl(store, lines(150), workers=2)
        assert calls == [150]                      # all of them segmented by the workers
        again = import_jsonl(store, lines(150), workers=2)
        assert calls == [150, 0]                   # nothing changed: nothing segmented
        changed = import_jsonl(store, lines(150, "修订"), workers=2)
    assert here.counts == pooled.counts == {"new": 150, "changed": 0, "unchanged": 0}
    assert again.counts["unchanged"] == 150 and changed.counts["changed"] == 150
    assert rows(tmp_path / "pool.db") != rows(tmp_path / "here.db")   # (the revision is indexed)
    with Store(tmp_path / "here.db") as store:
        import_jsonl(store, lines(150, "修订"), workers=0)
    assert rows(tmp_path / "pool.db") == rows(tmp_path / "here.db")
    assert any("修订" in r[1].split() for r in rows(tmp_path / "pool.db"))
