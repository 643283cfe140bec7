"""`zwgk crawl` on a terminal: a refreshed progress line per site on stderr, Scrapy's log in a file under
<data>/logs (unless -v), then the summary table. The terminal is a real pseudo-terminal (pty)."""
from __future__ import annotations

import os
import pty
import subprocess

import pytest

from conftest import ROOT, ZWGK_CMD, write_replica_config

from replica import ReplicaServer

pytestmark = pytest.mark.slow


def test_crawl_shows_progress_on_a_terminal_and_logs_to_a_file(tmp_path):
    with ReplicaServer(seed=1, scale=0.05, night=0) as rep:
        cfg = write_replica_config(tmp_path / "zwgk.yaml", rep.urls)
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
