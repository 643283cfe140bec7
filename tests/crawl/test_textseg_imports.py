"""A process that segments (the ingest, a crawl's CPU worker) imports jieba without pkg_resources, which
jieba 0.42 imports only to open its own files (crawler/textseg.py ``_import_jieba``), and its words are
the same with jieba's dictionary cache present or not (jieba then reads dict.txt by ``open()``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = "兖州区教育和体育局关于印发《2020年政务公开工作要点》的通知，“三公”经费预算公开"
SCRIPT = f"""
import json, sys
from crawler import textseg
words = textseg.words({TEXT!r}, for_search=True)
loaded = "pkg_resources" in sys.modules
import pkg_resources   # still importable afterwards
print(json.dumps({{"words": words, "pkg_resources_loaded": loaded}}))
"""


def _segment(tmpdir: Path) -> dict:
    env = {**os.environ, "TMPDIR": str(tmpdir)}   # jieba keeps its dictionary cache in the temp dir
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_segmenting_does_not_import_pkg_resources_and_gives_the_same_words_without_a_dictionary_cache(tmp_path):
    first = _segment(tmp_path)          # no cache yet: jieba reads its dict.txt and writes the cache
    assert (tmp_path / "jieba.cache").stat().st_size > 1_000_000
    second = _segment(tmp_path)         # the cache, loaded by crawler/segmenter.py
    assert first["pkg_resources_loaded"] is False and second["pkg_resources_loaded"] is False
    assert first["words"] == second["words"]
    assert {"兖州区", "教育", "体育局", "政务公开", "工作", "要点", "三公", "经费", "预算"} <= set(first["words"])
