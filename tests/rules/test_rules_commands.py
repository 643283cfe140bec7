"""`zwgk db import`, `zwgk check`, `zwgk attest` and `zwgk plan validate/show/kinds` end to end (CliRunner)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zwgk.cli import cli
from crawler.store import Store

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CONFIG = FIX / "zwgk.yaml"
B = "http://127.0.0.1:9100"

DOCS = [
    {"url": f"{B}/art/2020/2/14/art_3308_1.html", "title": "济宁市兖州区教育和体育局2020年部门预算",
     "published": "2020-02-14 09:30", "site": "bureau", "column": "3308", "publisher": "兖州区教育和体育局",
     "body": "现将2020年部门预算公开如下。", "attachments": [{"url": f"{B}/module/download/downfile.jsp?filename=a.pdf",
                                                        "name": "预算.pdf", "type": "pdf", "text": "三公经费"}]},
    {"url": f"{B}/art/2020/2/20/art_3308_2.html", "title": "兖州区实验小学2020年部门预算",
     "published": "2020-02-20", "site": "bureau", "column": "财政预决算", "publisher": "兖州区实验小学"},
    {"url": f"{B}/art/2020/10/16/art_3318_3.html", "title": "济宁市兖州区教育和体育局政务公开事项标准目录",
     "published": "2020-10-16", "site": "bureau", "column": "3318", "publisher": "兖州区教育和体育局"},
    {"url": f"{B}/art/2019/6/14/art_3310_4.html", "title": "2019年兖州区城区义务教育学校招生计划",
     "published": "2019-06-14", "site": "bureau", "column": "3310", "publisher": "兖州区教育和体育局"},
]


def _jsonl(path: Path, rows, extra_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def zwgk(tmp_path, *args):
    return CliRunner().invoke(cli, ["--db", str(tmp_path / "z.db"), "--config", str(CONFIG), *args],
                              catch_exceptions=False)


@pytest.fixture
def loaded(tmp_path):
    r = zwgk(tmp_path, "db", "import", str(_jsonl(tmp_path / "docs.jsonl", DOCS)))
    assert r.exit_code == 0, r.output
    return tmp_path


def test_db_import_reports_bad_lines_and_keeps_good_ones(tmp_path):
    bad = ['{"url": "http://127.0.0.1:9100/x.html", "title": "无日期", "site": "bureau"}',
           "{not json",
           '{"url": "http://127.0.0.1:9100/y.html", "title": "坏站点", "published": "2020-05-01", "site": "county"}',
           "",
           '["a", "list"]',
           '{"url": "ftp://x", "title": "t", "published": "2020-05-01", "site": "bureau"}',
           '{"url": "http://127.0.0.1:9100/z.html", "title": "t", "published": "2020-13-01", "site": "bureau"}']
    f = _jsonl(tmp_path / "mixed.jsonl", DOCS[:2], bad)
    r = zwgk(tmp_path, "db", "import", str(f))
    assert r.exit_code == 1
    assert f"{f}:3: published: is required (text)" in r.output
    assert f"{f}:4: not valid JSON" in r.output
    assert f"{f}:5: site: 'county' is not one of bureau, province, city, district" in r.output
    assert f"{f}:7: not a JSON object" in r.output
    assert f"{f}:8: url: 'ftp://x' is not an http(s) URL" in r.output
    assert f"{f}:9: published: '2020-13-01' is not a date" in r.output
    assert "imported 2 documents (new 2, changed 0, unchanged 0); 6 bad lines" in r.output
    with Store(tmp_path / "z.db") as s:
        row = s.get_document(DOCS[0]["url"])
        assert row["published"] == "2020-02-14" and row["column_id"] == "3308"
        assert row["attachment_text"] == "三公经费"
        assert s.get_document(DOCS[1]["url"])["column_name"] == "财政预决算"
        assert s.count_documents() == 2
        assert [r["url"] for r in s.search("部门预算")] != []
    again = zwgk(tmp_path, "db", "import", str(_jsonl(tmp_path / "again.jsonl", DOCS[:1])))
    assert again.exit_code == 0 and "unchanged 1" in again.output


def test_check_json_and_stored_run(loaded):
    r = zwgk(loaded, "check", "--as-of", "2020-12-31", "--json")
    assert r.exit_code == 0, r.output
    findings = json.loads(r.output)
    # the fields, in its order; then what we add (unassigned: routed to the lead office)
    assert all(list(f) == ["requirement", "check", "units", "status", "due", "evidence", "message", "unassigned", "facts",
                           "candidates"]
               for f in findings)
    assert {(f["requirement"], f["unassigned"]) for f in findings if f["unassigned"]} == {("7.2", True)}
    by = {(f["requirement"], f["check"]): f for f in findings}
    budget = by[("1.2", "部门预算")]
    assert budget["status"] == "met" and budget["units"] == ["计财科"] and budget["due"] == "2020-03-31"
    assert [(e["url"], e["published"]) for e in budget["evidence"]] == [(DOCS[0]["url"], "2020-02-14")]
    assert set(budget["evidence"][0]) == {"url", "title", "published", "terms"}
    assert by[("7.1", "政务公开事项标准目录")]["status"] == "late"
    assert by[("1.3", "义务教育招生入学信息")]["status"] == "gap"        # last year's plan does not count
    assert by[("1.2", "部门决算")]["status"] == "gap"
    assert by[("7.2", "标准化规范化评价")]["status"] == "manual"
    assert {f["requirement"] for f in findings} == {r for r in _ids()}
    with Store(loaded / "z.db") as s:
        run = s.latest_run("check")
        assert run["as_of"] == "2020-12-31" and run["status"] == "ok"
        stats = run["stats"]["by_status"]
        assert sum(stats.values()) == len(findings) == len(s.findings(run["id"]))
        assert stats["late"] == 1 and stats["manual"] == sum(1 for f in findings if f["status"] == "manual")
        stored = {(f["requirement"], f["check"]): f for f in s.findings(run["id"])}
        assert stored[("7.2", "标准化规范化评价")]["unassigned"] == 1
        assert stored[("1.2", "部门预算")]["evidence"][0]["terms"] == ["部门预算"]


def _ids():
    from rules.catalogue import PLANS_DIR, load_catalogue
    return [r.id for r in load_catalogue(PLANS_DIR / "2020.yaml").requirements()]


def test_check_time_window_as_of_march(loaded):
    r = zwgk(loaded, "check", "--as-of", "2020-03-01", "--json")
    by = {(f["requirement"], f["check"]): f for f in json.loads(r.output)}
    assert by[("7.1", "政务公开事项标准目录")]["status"] == "pending"
    assert by[("1.2", "部门预算")]["status"] == "met"
    assert by[("1.2", "部门决算")]["status"] == "pending"
    assert by[("13.1", "政府信息公开工作年度报告")]["status"] == "gap"
    # the at_risk horizon: 20 days before the 7.1 deadline, and the catalogue's default 30 days
    r = zwgk(loaded, "check", "--as-of", "2020-09-10", "--json")
    assert [f["status"] for f in json.loads(r.output) if f["requirement"] == "7.1"] == ["at_risk"]
    r = zwgk(loaded, "check", "--as-of", "2020-09-10", "--json", "--horizon", "10")
    assert [f["status"] for f in json.loads(r.output) if f["requirement"] == "7.1"] == ["pending"]


def test_check_summary_output(loaded):
    r = zwgk(loaded, "check", "--as-of", "2020-12-31")
    assert r.exit_code == 0
    assert "截至2020-12-31" in r.output and "late 1" in r.output
    lines = r.output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("gap"))
    last_met = max(i for i, line in enumerate(lines) if line.startswith("met"))
    assert first < last_met   # gaps are listed before met items


def test_check_refuses_a_bad_plan_before_evaluating(loaded):
    bad = loaded / "bad.yaml"
    bad.write_text((Path(__file__).resolve().parents[2] / "rules" / "plans" / "2020.yaml").read_text(encoding="utf-8")
                   .replace("kind: deadline", "kind: deadlin"), encoding="utf-8")
    r = zwgk(loaded, "check", "--plan", str(bad), "--as-of", "2020-12-31")
    assert r.exit_code == 2
    assert f"{bad}:" in r.output and "requirements[7.1].checks[0].kind: unknown kind 'deadlin'" in r.output
    with Store(loaded / "z.db") as s:
        assert s.latest_run("check", status=None) is None


def test_attest_makes_a_manual_check_met_for_the_plan_year(loaded):
    r = zwgk(loaded, "attest", "8.1", "--unit", "局办公室", "--evidence", "http://127.0.0.1/ledger.pdf",
             "--note", "已建立依申请公开登记台账")
    assert r.exit_code == 0, r.output
    assert "已记录：办公室确认2020年要求8.1" in r.output
    out = json.loads(zwgk(loaded, "check", "--as-of", "2020-12-31", "--json").output)
    f81 = [f for f in out if f["requirement"] == "8.1"][0]
    assert f81["status"] == "met" and f81["evidence"][0]["url"] == "http://127.0.0.1/ledger.pdf"
    with Store(loaded / "z.db") as s:
        row = list(s.db.query("select * from attestations"))[0]
        assert (row["requirement"], row["unit"], row["plan_year"]) == ("8.1", "办公室", 2020)


@pytest.mark.parametrize("args, words", [
    (["99.1", "--unit", "办公室", "--note", "x"], "no requirement '99.1'"),
    (["8.1", "--unit", "宣传科", "--note", "x"], "unknown unit '宣传科'"),
    (["1.2", "--unit", "人事科", "--note", "x"], "人事科 is not responsible for 1.2"),
])
def test_attest_errors(tmp_path, args, words):
    r = zwgk(tmp_path, "attest", *args)
    assert r.exit_code == 2 and words in r.output


def test_plan_validate_show_kinds(tmp_path):
    r = zwgk(tmp_path, "plan", "validate")
    assert r.exit_code == 0 and "29 requirements" in r.output and "OK" in r.output
    r = zwgk(tmp_path, "plan", "show")
    assert "7.2" in r.output and "（未指定责任单位）" in r.output and "manual" in r.output
    r = CliRunner().invoke(cli, ["plan", "kinds"])
    for kind in ("presence", "deadline", "periodic", "consultation", "interpretation", "freshness", "links",
                 "submissions", "annual_report", "enrollment_set", "manual"):
        assert f"\n{kind}: " in "\n" + r.output


def test_plan_import_docx_with_unmerged_section_rows_through_the_cli(tmp_path):
    """Word tables whose section row is not merged: the heading in the first cell, the others empty."""
    import docx

    document = docx.Document()
    document.add_paragraph("兖州区教育和体育局2021年政务公开工作要点")
    table = document.add_table(rows=0, cols=3)
    for row in [("工作任务", "具体要求", "责任单位"),
                ("一、聚焦中心工作", "", ""),
                ("1．聚焦中心工作加强信息公开", "重点推动教育基础设施建设信息公开。", "校产办"),
                ("", "继续推进财政预决算公开。", "计财科\n校产办"),
                ("二、推进决策公开", "", ""),
                ("2.推进决策公开", "公开征求意见的期限一般不少于30日。", "基教科、机关各科室"),
                ("", "把推进基层政务公开标准化规范化情况作为评价政务公开工作成效的重要内容。", "")]:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    path = tmp_path / "plan-2021.docx"
    document.save(path)
    result = CliRunner().invoke(cli, ["plan", "import", str(path), "--json"], env={"ZWGK_CONFIG": ""})
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert [s["title"] for s in plan["sections"]] == ["一、聚焦中心工作", "二、推进决策公开"]
    reqs = [r for s in plan["sections"] for t in s["tasks"] for r in t["requirements"]]
    assert [(r["id"], r["units"]) for r in reqs] == [
        ("1.1", ["校产办"]), ("1.2", ["计财科", "校产办"]),
        # no --config: aliases still resolve through the shipped unit list
        ("2.1", ["基础教育科", "机关各科室"]),
        ("2.2", ["办公室"])]
    assert reqs[3].get("unassigned") is True and "unassigned" not in reqs[0]
