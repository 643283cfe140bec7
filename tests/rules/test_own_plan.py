"""A plan of our own making (2023, an .xlsx in another style) and a corpus of that year: imported with
drafted checks and used as it is, every requirement gets the right status, and documents of another
unit, another year or another district never count as evidence."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zwgk.cli import cli

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CONFIG = FIX / "zwgk.yaml"
B = "http://127.0.0.1:9100"
BUREAU = "济宁市兖州区教育和体育局"

PLAN_ROWS = [
    # 序号, 重点任务, 具体措施, 责任科室, 完成时限
    (1, "深化财政信息公开", "部门预算批复后20日内公开本部门预算。", "计划财务科", "批复后20日内"),
    (2, None, "公开本部门“三公”经费预算情况说明。", "计划财务科", "年底前"),
    (3, None, "9月底前公开本部门2022年度部门决算。", "计划财务科", "9月底前"),
    (4, "做好招生入学信息公开", "公开义务教育招生政策、学区划分、招生计划和录取结果。", "基教科", "持续推进"),
    (5, "加强政策解读", "政策文件出台后3个工作日内发布政策解读材料。", "局办公室", "3个工作日内"),
    (6, "推进建设项目信息公开", "每季度公开重大建设项目实施进展情况，每季度不少于1条。", "校产办", "按季度"),
    (7, "编制发布年度报告", "1月31日前发布2022年政府信息公开工作年度报告。", "局办公室", "1月31日前"),
    (8, "加强组织领导", "调整政务公开工作领导小组，明确分管领导。", "局办公室", "长期坚持"),
    (9, "做好教师招聘信息公开", "全年公开教师招聘信息不少于2次。", "人事科", "年底前"),
]

REPORT_BODY = ("一、总体情况 二、主动公开政府信息情况 三、收到和处理政府信息公开申请情况 "
               "四、政府信息公开行政复议、行政诉讼情况 五、存在的主要问题及改进情况 六、其他需要报告的事项")


def doc(n, title, published, *, column="工作动态", publisher=BUREAU, body=""):
    return {"url": f"{B}/art/{published[:4]}/1/1/art_1_{n}.html", "title": title, "published": published,
            "site": "bureau", "column_name": column, "publisher": publisher, "body": body}


CORPUS = [
    doc(1, f"{BUREAU}2023年部门预算", "2023-02-10", column="财政预决算"),
    # never evidence: another unit's, another year's, another district's budget and 三公 explanations
    doc(2, "兖州区实验小学2023年部门预算", "2023-02-12", column="财政预决算", publisher="兖州区实验小学"),
    doc(3, f"{BUREAU}2022年部门预算", "2023-01-05", column="财政预决算"),
    doc(4, "任城区教育和体育局2023年“三公”经费预算情况说明", "2023-02-15", column="财政预决算",
        publisher="任城区教育和体育局"),
    doc(5, "兖州区实验小学2023年“三公”经费预算情况说明", "2023-02-16", column="财政预决算",
        publisher="兖州区实验小学"),
    doc(6, f"{BUREAU}2022年度部门决算", "2023-10-20", column="财政预决算"),              # late: due 09-30
    doc(7, "2023年兖州区城区义务教育学校招生入学工作实施方案", "2023-05-06", column="招生入学"),
    doc(8, "2023年兖州区城区义务教育学校学区划分", "2023-05-20", column="招生入学"),
    doc(9, "2023年兖州区义务教育学校招生计划", "2023-06-10", column="招生入学"),
    doc(10, "2022年兖州区义务教育学校录取结果公告", "2023-01-10", column="招生入学"),   # last year's result
    doc(11, "关于印发《兖州区中小学课后服务管理办法》的通知", "2023-04-03", column="政策文件"),
    doc(12, "《兖州区中小学课后服务管理办法》政策解读", "2023-04-04", column="政策解读"),
    doc(13, "兖州区第一中学扩建项目实施进展情况（2023年第一季度）", "2023-04-10", column="重大建设项目"),
    doc(14, "兖州区第一中学扩建项目实施进展情况（2023年第三季度）", "2023-10-09", column="重大建设项目"),
    doc(15, "兖州区第一中学扩建项目实施进展情况（2023年第四季度）", "2023-12-28", column="重大建设项目"),
    doc(16, "任城区第一中学扩建项目实施进展情况（2023年第二季度）", "2023-07-05", column="重大建设项目",
        publisher="任城区教育和体育局"),                                                  # another district's Q2
    doc(17, f"{BUREAU}2022年政府信息公开工作年度报告", "2023-01-20", column="年度报告", body=REPORT_BODY),
    doc(18, "2023年兖州区教育系统公开招聘教师简章", "2023-03-01", column="人事信息"),
    doc(19, "任城区2023年公开招聘教师公告", "2023-03-05", column="人事信息", publisher="任城区教育和体育局"),
    doc(20, "2022年兖州区教育系统公开招聘教师简章", "2022-03-01", column="人事信息"),  # another year
    # candidates for the manual 领导小组 requirement: this year's, not last year's nor another district's
    doc(21, "关于调整兖州区教育和体育局政务公开工作领导小组的通知", "2023-03-08", column="通知公告",
        body="为加强政务公开工作组织领导，经研究决定调整政务公开工作领导小组，分管领导任副组长。"),
    doc(22, "关于调整兖州区教育和体育局政务公开工作领导小组的通知", "2022-03-08", column="通知公告"),
    doc(23, "关于调整任城区教育和体育局政务公开工作领导小组的通知", "2023-04-01", column="通知公告",
        publisher="任城区教育和体育局"),
    doc(24, "兖州区实验小学关于成立政务公开工作领导小组的通知", "2023-05-01", column="通知公告",
        publisher="兖州区实验小学"),
]
URL = {n: f"{B}/art/{d['published'][:4]}/1/1/art_1_{n}.html" for n, d in enumerate(CORPUS, 1)}
DECOYS = {URL[n] for n in (2, 3, 4, 5, 10, 16, 19, 20)}

EXPECTED = {
    "1.1": {"部门预算": "met"},
    "1.2": {"“三公”经费说明": "gap"},                # only another unit's and another district's
    "1.3": {"部门决算": "late"},
    "2.1": {"义务教育招生入学信息": "gap"},          # no 2023 result: last year's does not count
    "3.1": {"政策解读": "met"},
    "4.1": {"重大建设项目实施信息": "gap"},          # Q2 missing: another district's Q2 does not count
    "5.1": {"政府信息公开工作年度报告": "met"},
    "6.1": {"领导小组和工作机制": "manual"},
    "7.1": {"教师招聘信息": "gap"},                  # one of the two required (another district's, year's no)
}


def _xlsx(path: Path) -> Path:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{BUREAU}2023年政务公开重点任务分解表"])
    ws.append(["序号", "重点任务", "具体措施", "责任科室", "完成时限"])
    for row in PLAN_ROWS:
        ws.append(list(row))
    ws.merge_cells("B3:B5")                # the finance task over three rows
    wb.save(str(path))
    return path


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("own")
    run = lambda *a: CliRunner().invoke(cli, ["--db", str(tmp / "z.db"), "--config", str(CONFIG), *a],
                                        catch_exceptions=False)
    corpus = tmp / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in CORPUS) + "\n", encoding="utf-8")
    r = run("db", "import", str(corpus))
    assert r.exit_code == 0, r.output
    plan = tmp / "plan-2023.yaml"
    r = run("plan", "import", str(_xlsx(tmp / "分解表.xlsx")), "-o", str(plan))
    assert r.exit_code == 0, r.output
    r = run("check", "--plan", str(plan), "--as-of", "2023-12-31", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output), plan, run


def test_statuses_of_our_own_plan(checked):
    findings, *_ = checked
    got: dict[str, dict[str, str]] = {}
    for f in findings:
        got.setdefault(f["requirement"], {})[f["check"]] = f["status"]
    assert got == EXPECTED


def test_another_unit_year_or_district_never_counts(checked):
    findings, *_ = checked
    used = {e["url"] for f in findings for e in f["evidence"]}
    assert used & DECOYS == set()
    budget = next(f for f in findings if f["check"] == "部门预算")
    assert [e["url"] for e in budget["evidence"]] == [f"{B}/art/2023/1/1/art_1_1.html"]
    assert budget["due"] == "2023-03-31"


def test_written_plan_says_why(checked):
    _, plan, _ = checked
    text = plan.read_text(encoding="utf-8")
    assert "why: “部门预算批复后20日内公开本部门预算”" in text
    assert "confidence:" in text and "deadline: 批复后20日内" in text


def test_manual_requirement_lists_ranked_candidates_and_attest_makes_one_evidence(checked):
    findings, plan, run = checked
    manual = next(f for f in findings if f["requirement"] == "6.1")
    cands = manual["candidates"]
    assert cands and set(cands[0]) == {"url", "title", "published", "score"}
    # the bureau's own document of the plan year first; a school's may follow; never last year's or
    # another district's
    assert cands[0]["url"] == URL[21] and 0 < cands[0]["score"] <= 1
    assert {c["url"] for c in cands} <= {URL[21], URL[24]}
    assert all(c["published"].startswith("2023") for f in findings for c in f["candidates"])
    elsewhere = {URL[n] for n in (3, 4, 10, 16, 19, 20, 22, 23)}      # another year's or district's
    assert [(f["check"], c["title"]) for f in findings for c in f["candidates"] if c["url"] in elsewhere] == []
    # a gap lists candidates too (not its own evidence)
    gap = next(f for f in findings if f["check"] == "“三公”经费说明")
    # the bureau's own budget (it may hold the 三公 part); a school's 三公 can never prove the bureau's
    assert [c["url"] for c in gap["candidates"]] == [URL[1]]
    # the reports show them as 可能相关的公开信息 (the run before the attestation)
    out = plan.parent / "site"
    r = run("report", "--out", str(out), "--plan", str(plan))
    assert r.exit_code == 0, r.output
    page = (out / "units" / "办公室.html").read_text(encoding="utf-8") if (out / "units" / "办公室.html").exists() \
        else "\n".join(p.read_text(encoding="utf-8") for p in (out / "units").glob("*.html"))
    assert "可能相关的公开信息" in page and "调整兖州区教育和体育局政务公开工作领导小组的通知" in page
    r = run("attest", "6.1", "--unit", "办公室", "--evidence", URL[21], "--note", "已调整领导小组",
            "--plan", str(plan))
    assert r.exit_code == 0, r.output
    r = run("check", "--plan", str(plan), "--as-of", "2023-12-31", "--json")
    after = next(f for f in json.loads(r.output) if f["requirement"] == "6.1")
    assert after["status"] == "met" and after["evidence"][0]["url"] == URL[21] and after["candidates"] == []
