"""`zwgk nightly` started from its data folder — where the reports are written to `reports/` — runs its stages
with the installed zwgk, never with a folder of the same name in the working directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawler.store import Store

CONFIG = """\
contact: admin@example.org
paths: {data: ".", reports: reports, outbox: outbox, plan: plan.yaml}
sites:
  bureau: {name: 某区教育和体育局, base_url: "http://127.0.0.1:9"}
units:
  - {name: 计财科, kind: section}
  - {name: 办公室, kind: office}
lead_unit: 办公室
"""
PLAN = """\
year: 2020
title: 某区教育和体育局2020年政务公开工作要点
sections:
  - title: 一、重点领域信息公开
    tasks:
      - number: 1
        title: 财政信息公开
        requirements:
          - id: "1.2"
            text: 继续推进财政预决算信息公开。
            units: [计财科]
            checks:
              - name: 部门预算
                kind: presence
                params: {what: 本局2020年部门预算, due: "03-31", match: {all: [[部门预算]], year: plan}}
"""


def test_nightly_from_a_data_folder_with_a_reports_folder(tmp_path):
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    for name in ("reports", "crawler", "rules"):          # what a data folder may well hold
        (tmp_path / name).mkdir()
    with Store(tmp_path / "zwgk.db") as store:
        store.upsert_document({"url": "http://127.0.0.1:9/a/1.html", "site": "bureau", "column_id": "1",
                               "title": "某区教育和体育局2020年部门预算", "published": "2020-02-14", "body": "部门预算"})
    zwgk = Path(sys.executable).with_name("zwgk")        # the command as installed, as cron starts it
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    proc = subprocess.run([str(zwgk), "--config", "zwgk.yaml", "--db", "zwgk.db", "nightly", "--skip-crawl",
                           "--skip-mail", "--as-of", "2020-12-31"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "ImportError" not in proc.stdout + proc.stderr
    assert "✓ check" in proc.stdout and "✓ report" in proc.stdout
    report = (tmp_path / "reports" / "units" / "计财科.txt").read_text(encoding="utf-8")
    assert "[✓ 已满足] 要求 1.2" in report
    # the night's summary names statuses as the reports do (one set of names: 逾期公开, not 逾期 or 临期)
    status = subprocess.run([str(zwgk), "--config", "zwgk.yaml", "--db", "zwgk.db", "status"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    line = next(x for x in status.stdout.splitlines() if x.startswith("检查批次 #"))
    assert line.split("：", 1)[1].startswith("缺失 0，逾期公开 0，临近期限 0，无法核实 0，未到期 0，待人工确认 0，已满足 1"), line
