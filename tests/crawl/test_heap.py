"""The crawl process's collector (crawler/heap.py): start-up objects frozen, young collections rarer."""
from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import gc, json, scrapy.crawler
from crawler.heap import YOUNG_THRESHOLD, settle_for_crawl
before = gc.get_freeze_count()
settle_for_crawl()
print(json.dumps([before, gc.get_freeze_count(), gc.get_threshold()[0], YOUNG_THRESHOLD]))
"""


def test_start_up_objects_are_frozen_and_young_collections_are_rarer():
    import json

    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout
    before, frozen, young, wanted = json.loads(out)
    assert before == 0
    assert frozen > 20_000          # Scrapy and Twisted imported: their objects leave every later collection
    assert young == wanted == 10_000


@pytest.mark.parametrize("module, call", [("zwgk/crawl.py", "settle_for_crawl()\n    try:\n        process.start()"),
                                          ("spiders/distributed.py", "settle_for_crawl()\n    try:\n        process.start()")])
def test_both_crawl_processes_settle_the_heap_right_before_the_reactor_runs(module, call):
    from pathlib import Path

    assert call in (Path(__file__).resolve().parents[2] / module).read_text(encoding="utf-8")
