"""Segmenting in a worker (crawler/cpupool.py) keeps the pipeline's guarantees: items are written in the order
they came, so a column's sync marker never lands before a document still being segmented; an unchanged
document is never sent to be segmented; the worker's words are the ones the index gets."""
import sqlite3

from scrapy.utils.test import get_crawler
from twisted.internet import defer

from crawler import pipelines
from crawler.items import ColumnItem, ColumnSyncedItem, DocumentItem
from crawler.pipelines import StorePipeline
from crawler.searchindex import segments


class HeldPool:
    """A CPU pool whose answers the test releases by hand (the real one answers from a process)."""
    workers = 1

    def __init__(self):
        self.calls = []

    def start(self):
        pass

    def submit(self, fn, *args):
        d = defer.Deferred()
        self.calls.append((fn, args, d))
        return d

    def release(self, i):
        fn, args, d = self.calls[i]
        d.callback(fn(*args))


def _pipeline(tmp_path, monkeypatch):
    monkeypatch.setattr(pipelines, "BATCH_SECONDS", 3600)
    monkeypatch.setattr(pipelines, "BATCH_ITEMS", 2)
    crawler = get_crawler(settings_dict={"ZWGK_DB_PATH": str(tmp_path / "z.db")})
    p = StorePipeline(crawler)
    p.cpu = HeldPool()
    p.open_spider()
    return p, crawler


def rows(tmp_path, sql):
    conn = sqlite3.connect(tmp_path / "z.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def doc(i, body):
    return DocumentItem(url=f"http://127.0.0.1/art/{i}.html", site="bureau", column_id="3301", title=f"通知{i}",
                        published="2020-05-01", body=body)


def test_items_wait_in_order_for_their_words_and_the_index_gets_the_workers_words(tmp_path, monkeypatch):
    p, crawler = _pipeline(tmp_path, monkeypatch)
    p.process_item(ColumnItem(site="bureau", column_id="3301", name="通知公告", state="normal", walk="full"))
    first = p.process_item(doc(1, "关于部门预算公开的通知"))
    second = p.process_item(doc(2, "招生计划和学区划分"))
    p.process_item(ColumnSyncedItem(site="bureau", column_id="3301"))
    assert len(p.cpu.calls) == 2 and isinstance(first, defer.Deferred)
    p.cpu.release(1)                       # the second document's words come back first
    p.flush()
    # only the column went in: document 2 and the sync marker wait behind document 1
    assert rows(tmp_path, "select count(*) from documents") == [(0,)]
    assert rows(tmp_path, "select count(*) from columns where full_walk_at is not null") == [(0,)]
    assert rows(tmp_path, "select count(*) from columns") == [(1,)]
    p.cpu.release(0)
    assert first.result["url"].endswith("/1.html") and second.result["url"].endswith("/2.html")
    p.close_spider()
    assert rows(tmp_path, "select count(*) from columns where full_walk_at is not null") == [(1,)]
    assert crawler.stats.get_value("zwgk/new") == 2
    stored = dict(rows(tmp_path, "select url, body from documents_fts"))
    assert stored["http://127.0.0.1/art/1.html"] == segments(None, "关于部门预算公开的通知", None)[1]
    assert "预算" in stored["http://127.0.0.1/art/1.html"].split()


def test_an_unchanged_document_is_not_segmented_again(tmp_path, monkeypatch):
    p, crawler = _pipeline(tmp_path, monkeypatch)
    p.process_item(doc(1, "关于部门预算公开的通知"))
    p.cpu.release(0)
    p.flush(final=True)
    same = p.process_item(doc(1, "关于部门预算公开的通知"))
    changed = p.process_item(doc(1, "关于部门决算公开的通知"))
    assert not isinstance(same, defer.Deferred) and isinstance(changed, defer.Deferred)
    assert len(p.cpu.calls) == 2           # the first version and the change; the repeat was not sent
    p.cpu.release(1)
    p.close_spider()
    assert crawler.stats.get_value("zwgk/unchanged") == 1 and crawler.stats.get_value("zwgk/changed") == 1
    assert rows(tmp_path, "select count(*) from documents_fts where documents_fts match '决算'") == [(1,)]
    assert rows(tmp_path, "select count(*) from documents_fts where documents_fts match '预算'") == [(0,)]


def extracted(i, body, *, title=None):
    """A new page as the spider yields it when the worker segmented its words with the extraction."""
    item = doc(i, body)
    made_from = title or item["title"]
    item["index_words"] = {"title": made_from, "body": body, "words": segments(made_from, body, None)[:2]}
    return item


def test_words_segmented_with_the_extraction_are_used_and_only_what_is_missing_is_sent(tmp_path, monkeypatch):
    p, crawler = _pipeline(tmp_path, monkeypatch)
    plain = p.process_item(extracted(1, "关于部门预算公开的通知"))
    with_file = extracted(2, "招生计划和学区划分")
    with_file["attachments"] = [{"url": "http://127.0.0.1/f/2.pdf", "name": "附件", "text": "三公经费决算说明"}]
    waiting = p.process_item(with_file)
    other_title = p.process_item(extracted(3, "疫情防控工作方案", title="另一个标题"))
    assert not isinstance(plain, defer.Deferred)          # nothing left to segment: no worker call
    assert isinstance(waiting, defer.Deferred) and isinstance(other_title, defer.Deferred)
    # the attachment's text alone; words made from another title are not used: the whole row is segmented
    assert [args for _, args, _ in p.cpu.calls] == [(None, None, "三公经费决算说明"),
                                                    ("通知3", "疫情防控工作方案", None)]
    p.cpu.release(0)
    p.cpu.release(1)
    p.close_spider()
    assert crawler.stats.get_value("zwgk/new") == 3
    stored = {url: (title, body, att) for url, title, body, att in
              rows(tmp_path, "select url, title, body, attachments from documents_fts")}
    texts = {url: (title, body, att) for url, title, body, att in
             rows(tmp_path, "select url, title, body, attachment_text from documents")}
    assert stored == {url: segments(*t) for url, t in texts.items()} and len(stored) == 3
    assert "经费" in stored["http://127.0.0.1/art/2.html"][2].split()
    assert rows(tmp_path, "select count(*) from documents_fts where documents_fts match '预算'") == [(1,)]
