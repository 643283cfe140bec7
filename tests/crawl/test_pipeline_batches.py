"""The store pipeline writes in batches: nothing of a batch before its commit, all of it after, its counts
only once committed; a batch that fails is rolled back whole and counted as an error."""
import sqlite3

from scrapy.utils.test import get_crawler

from crawler import pipelines
from crawler.items import ColumnItem, ColumnSyncedItem, DocumentItem, LinkItem
from crawler.pipelines import StorePipeline


def _pipeline(tmp_path):
    crawler = get_crawler(settings_dict={"ZWGK_DB_PATH": str(tmp_path / "z.db")})
    p = StorePipeline(crawler)
    p.open_spider()
    return p, crawler


def _items(n):
    out = [ColumnItem(site="bureau", column_id="3301", name="通知公告", state="normal", walk="full")]
    out += [DocumentItem(url=f"http://127.0.0.1/art/{i}.html", site="bureau", column_id="3301", title=f"通知{i}",
                         published="2020-05-01", body=f"第{i}号通知正文") for i in range(n)]
    out += [LinkItem(site="bureau", from_url="http://127.0.0.1/art/0.html", to_url="http://127.0.0.1/x.pdf", status=404),
            ColumnSyncedItem(site="bureau", column_id="3301")]
    return out


def count(tmp_path, sql):
    conn = sqlite3.connect(tmp_path / "z.db")
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_items_are_written_in_batches_and_counted_when_committed(tmp_path, monkeypatch):
    monkeypatch.setattr(pipelines, "BATCH_ITEMS", 4)
    monkeypatch.setattr(pipelines, "BATCH_SECONDS", 3600)
    p, crawler = _pipeline(tmp_path)
    items = _items(5)          # column, 5 documents, link, synced marker: 8 items
    for item in items[:3]:
        p.process_item(item)
    assert count(tmp_path, "select count(*) from documents") == 0      # not committed yet
    p.process_item(items[3])                                             # the 4th item: a batch
    assert count(tmp_path, "select count(*) from documents") == 3
    assert crawler.stats.get_value("zwgk/new") == 3
    for item in items[4:]:
        p.process_item(item)
    assert count(tmp_path, "select count(*) from columns where full_walk_at is not null") == 1
    assert count(tmp_path, "select count(*) from documents_fts") == 5
    p.close_spider()
    assert count(tmp_path, "select count(*) from links") == 1
    assert crawler.stats.get_value("zwgk/new") == 5 and crawler.stats.get_value("zwgk/broken_links") == 1


def test_a_failing_batch_is_rolled_back_whole_and_counted_as_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pipelines, "BATCH_SECONDS", 3600)
    p, crawler = _pipeline(tmp_path)
    for item in _items(3):
        p.process_item(item)

    def broken(rows):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(p.store, "record_links", broken)
    p.flush()
    assert count(tmp_path, "select count(*) from documents") == 0
    assert count(tmp_path, "select count(*) from columns") == 0
    assert crawler.stats.get_value("zwgk/new") == 0 and crawler.stats.get_value("zwgk/errors") == 1
    p.close_spider()
