"""Hostile text: crawled titles and bodies with NUL bytes and bidi overrides reach no report raw (HTML,
text, XLSX); a plan with a task pasted twice imports with a warning naming the repeated requirement."""
from __future__ import annotations

import pytest

from conftest import run_zwgk

pytestmark = pytest.mark.reliability

RLO = "\u202e"
TITLE = f"2020年部门预算\x00公开{RLO}xcod.exe"

CATALOGUE = """\
year: 2020
title: 测试要点
sections:
  - title: 一、测试
    tasks:
      - number: 1
        title: 测试任务
        requirements:
          - id: "1.1"
            text: 公开部门预算。
            units: [计财科]
            checks:
              - {name: 部门预算, kind: presence, params: {what: 部门预算, match: {all: [部门预算]}}}
"""


def test_reports_strip_nul_and_show_bidi_controls(tmp_path):
    from crawler.store import Store

    cfg = tmp_path / "zwgk.yaml"
    cfg.write_text("contact: a@example.org\npaths: {data: var}\nsites:\n  bureau: {name: 局, base_url: 'http://127.0.0.1:1'}\n"
                   "units: [{name: 办公室, email: [o@example.org]}, {name: 计财科, email: [c@example.org]}]\n",
                   encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(CATALOGUE, encoding="utf-8")
    db = tmp_path / "zwgk.db"
    with Store(db) as s:
        s.upsert_document({"url": "http://127.0.0.1:1/art/2020/3/1/art_1_1.html", "site": "bureau",
                           "column_id": "1", "title": TITLE, "published": "2020-03-01",
                           "body": f"正文\x00{RLO}部门预算", "attachments": []})
    base = ["--config", str(cfg), "--db", str(db)]
    r = run_zwgk(base + ["check", "--as-of", "2020-12-31", "--plan", str(tmp_path / "plan.yaml")], cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / "reports"
    r = run_zwgk(base + ["report", "--out", str(out), "--plan", str(tmp_path / "plan.yaml")], cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    texts = {}
    for p in out.rglob("*"):
        if p.suffix in (".html", ".txt"):
            texts[p] = p.read_text(encoding="utf-8")
        elif p.suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(p)
            texts[p] = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                                 if c.value is not None)
    assert any(p.suffix == ".xlsx" for p in texts) and any(p.suffix == ".txt" for p in texts)
    shown = [p for p, t in texts.items() if "部门预算" in t and "xcod.exe" in t]
    assert {p.suffix for p in shown} >= {".html", ".txt", ".xlsx"}, sorted(map(str, texts))
    for p, t in texts.items():
        assert "\x00" not in t and RLO not in t, p
    assert all("⟨U+202E⟩" in texts[p] for p in shown)


def test_plan_import_warns_on_a_repeated_requirement(tmp_path):
    from pathlib import Path

    plan_txt = Path("/work/shared/work-plan-2020.txt")
    if not plan_txt.exists():   # the shared material is not part of a clean clone
        pytest.skip("work-plan-2020.txt not available")
    text = plan_txt.read_text(encoding="utf-8")
    a, b = text.index("\t2．聚焦疫情防控"), text.index("\t3.聚焦教育发展")
    dup = tmp_path / "plan-2020.txt"
    dup.write_text(text[:b] + text[a:b] + text[b:], encoding="utf-8")
    r = run_zwgk(["plan", "import", str(dup)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    warnings = [ln for ln in r.stderr.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "repeats the text of requirement 2.1" in warnings[0], r.stderr
    clean = run_zwgk(["plan", "import", str(plan_txt)], cwd=tmp_path)
    assert clean.returncode == 0 and "warning" not in clean.stderr
