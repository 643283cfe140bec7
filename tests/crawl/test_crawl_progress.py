"""`zwgk crawl` on a terminal: refreshed progress lines on stderr, one per site with the column being crawled
(pages, new, errors of each, from the crawlers' stats), Scrapy's log in a file under <data>/logs (unless -v),
then the summary table. The terminal is a real pseudo-terminal (pty)."""
from __future__ import annotations

import os
import pty
import subprocess

import re

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from conftest import ROOT, ZWGK_CMD, manifest_columns, write_replica_config

from replica import ReplicaServer
from spiders.adapters.base import ListWalk
from spiders.progress import ColumnProgress, column_progress
from zwgk.crawl import ProgressBlock, progress_lines


@pytest.mark.slow
def test_crawl_shows_progress_on_a_terminal_and_logs_to_a_file(tmp_path):
    with ReplicaServer(seed=1, scale=0.05, night=0) as rep:
        names = {c["name"] for c in manifest_columns(rep.manifest)["bureau"]}
        cfg = write_replica_config(tmp_path / "zwgk.yaml", rep.urls, columns=manifest_columns(rep.manifest))
        primary, secondary = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
        proc = subprocess.Popen(ZWGK_CMD + ["--config", str(cfg), "crawl"], stdout=subprocess.PIPE,
                                stderr=secondary, cwd=str(ROOT), env=env)
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        out = proc.stdout.read().decode()
        assert proc.wait(timeout=300) == 0, (out, seen[-2000:])
    terminal = seen.decode("utf-8", "replace")
    logs = list((tmp_path / "var" / "logs").glob("crawl-*.log"))
    assert len(logs) == 1 and "Scrapy" in logs[0].read_text(encoding="utf-8")
    assert f"Scrapy 日志：{logs[0]}" in terminal
    assert "\r\x1b[K" in terminal and "局网站：页面" in terminal and "新增" in terminal and "错误 0" in terminal
    assert "INFO" not in terminal and "[scrapy" not in terminal        # the log went to the file
    assert "total" in out and "bureau" in out                          # the summary table at the end
    # per column: the bureau's line names a configured column being crawled, with its own figures
    # the last frame is drawn once every site is done: the same figures as the summary table
    last = terminal.rsplit("\x1b[J", 1)[1]
    table = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:1] in (["bureau"], ["city"])}
    assert f"局网站：页面 {table['bureau'][11]}，新增 {table['bureau'][1]}，错误 {table['bureau'][10]}；已结束，栏目" in last
    assert f"政务公开经验做法：页面 {table['city'][11]}，新增 {table['city'][1]}，错误 0；已结束" in last
    frames = re.findall(r"局网站：页面 (\d+)，新增 (\d+)，错误 (\d+)；已到栏目 (\d+) 个，当前“([^”]+)”：页面 (\d+)，新增 (\d+)，错误 (\d+)",
                        terminal)
    assert frames, terminal[-2000:]
    assert {f[4] for f in frames} <= names and len({f[4] for f in frames}) >= 1
    for pages, new, errors, reached, _, col_pages, col_new, col_errors in frames:
        assert int(col_pages) >= 1 and int(col_pages) <= int(pages) and int(col_new) <= int(new)
        assert col_errors == "0" and 1 <= int(reached) <= len(names)
    assert "\x1b[J" in terminal                                      # redrawn in place, not scrolled


def _stats_after(responses) -> dict:
    crawler = get_crawler()
    ext = ColumnProgress(crawler.stats)
    for url, walk in responses:
        request = Request(url, cb_kwargs={"walk": walk} if walk else {})
        ext.response_received(HtmlResponse(url, body=b"<html></html>", request=request), request)
    return crawler.stats.get_stats()


def test_column_figures_come_from_the_stats():
    news = ListWalk(site="bureau", column_id="3301", url="http://h/col/col3301/", name="工作动态")
    notices = ListWalk(site="bureau", column_id="3302", url="http://h/col/col3302/", name="通知公告")
    stats = _stats_after([("http://h/col/col3301/", news), ("http://h/art/1.html", news),
                          ("http://h/col/col3302/", notices), ("http://h/robots.txt", None)])
    stats.update({"zwgk/column/3301/new": 1, "downloader/response_count": 4, "zwgk/new": 1,
                  "zwgk/failed_pages": [{"url": "http://h/art/2.html", "column_id": "3302", "kind": "article"}]})
    assert column_progress(stats) == {"3301": {"name": "工作动态", "pages": 2, "new": 1, "errors": 0},
                                      "3302": {"name": "通知公告", "pages": 1, "new": 0, "errors": 1}}
    live = {"bureau": {"responses": 4, "new": 1, "errors": 0, "by_column": column_progress(stats),
                       "current_column": stats["zwgk/column_current"]},
            "city": {"responses": 0, "new": 0, "errors": 0, "by_column": {}, "current_column": None}}
    assert progress_lines(live) == ["局网站：页面 4，新增 1，错误 0；已到栏目 2 个，当前“通知公告”：页面 1，新增 0，错误 1",
                                    "政务公开经验做法：页面 0，新增 0，错误 0"]
    live["bureau"]["finish_reason"] = "finished"
    assert progress_lines(live)[0] == "局网站：页面 4，新增 1，错误 0；已结束，栏目 2 个"
    del live["bureau"]["finish_reason"]
    cut = progress_lines(live, 40)[0]
    assert cut == "局网站：页面 4，新增 1，错误 0；已到栏…"   # 39 of 40 display columns: a Hanzi is two
    drawn = []
    block = ProgressBlock(drawn.append, columns=200)
    block(live)
    block(live)
    assert drawn[0].startswith("\r\x1b[J\r\x1b[K局网站") and drawn[1].startswith("\x1b[1A\r\x1b[J")
