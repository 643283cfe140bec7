"""What a section head reads, in every form it reaches them: the text and HTML reports, the dashboard, the
XLSX cells and the decoded bodies of the .eml messages. Chinese only — no command to run, no quarter codes,
no status codes, no doubled book-title marks — what changed first, and each item's action line says the
right number of days.
"""
from __future__ import annotations

import re
from email import message_from_bytes, policy

import openpyxl
import pytest
from bs4 import BeautifulSoup

from crawler.config import load_config
from crawler.store import Store
from reports import render_reports
from reports.mailer import send_reports
from test_reports_data import PLAN, write_config

BASE = "http://127.0.0.1:9/art/2020/"
DRAFT_A, DRAFT_B = BASE + "8/3/art_3312_1.html", BASE + "9/7/art_3312_2.html"
CATALOGUE = {"url": BASE + "10/16/art_3318_3.html", "title": "某区教育和体育局政务公开事项标准目录",
             "published": "2020-10-16", "terms": ["标准目录"]}
SUBMISSIONS = ("2020年向上级政务公开专栏报送情况：政务公开看山东 2020Q3报送0条，少于目标1条；"
               "政务公开看山东 Q1 1/1，Q2 1/1，Q3 0/1，Q4 1/1")

RUN1 = [  # as of 2020-09-30
    {"requirement": "1.2", "check": "部门预算", "units": ["计财科"], "status": "gap", "due": "2020-03-31",
     "evidence": [], "message": "未发现本局2020年部门预算，应于2020-03-31前发布"},
]
RUN2 = [  # as of 2020-12-31: 1.2 solved, the rest new
    {"requirement": "1.2", "check": "部门预算", "units": ["计财科"], "status": "met", "due": "2020-03-31",
     "evidence": [{"url": BASE + "2/14/art_3308_4.html", "title": "某局2020年部门预算", "published": "2020-02-14"}],
     "message": "已发布本局2020年部门预算"},
    {"requirement": "4.2", "check": "政务公开事项标准目录", "units": ["办公室"], "status": "late", "due": "2020-09-30",
     "evidence": [CATALOGUE], "message": "本部门政务公开事项标准目录逾期发布：《某区教育和体育局政务公开事项标准目录》"
                                         "（2020-10-16），应于2020-09-30前发布，逾期16天"},
    {"requirement": "7.2", "check": "干部培训", "units": [], "unassigned": True, "status": "manual", "due": None,
     "evidence": [],
     "message": "需人工确认：干部培训的组织情况网页无法体现（请提供：培训通知或培训记录）。"
                "确认后运行 zwgk attest 7.2 --unit 单位 --note 说明"},
    {"requirement": "4.1", "check": "上级专栏报送", "units": ["办公室"], "status": "gap", "due": None, "evidence": [],
     "message": SUBMISSIONS, "facts": {"year": 2020, "sites": {"province": {"quarters": {
         f"2020Q{q}": {"count": n, "target": 1} for q, n in ((1, 1), (2, 1), (3, 0), (4, 1))}}}}},
    {"requirement": "4.1", "check": "征求意见", "units": ["办公室"], "status": "gap", "due": "2020-11-11",
     "evidence": [{"url": DRAFT_A, "title": "关于《某区体育工作考核办法（征求意见稿）》公开征求意见的公告",
                   "published": "2020-08-03"},
                  {"url": DRAFT_B, "title": "关于《某区教育事业发展规划（征求意见稿）》公开征求意见的公告",
                   "published": "2020-09-07"}],
     "message": "决策草案征求意见：检查2件征求意见稿；…",
     "facts": {"at_fault": [
         {"url": DRAFT_A, "status": "gap", "due": "2020-09-16", "owed": "缩短征求意见期限的理由说明",
          "problem": "《关于《某区体育工作考核办法（征求意见稿）》公开征求意见的公告》（2020-08-03）征求意见期限仅15日"},
         {"url": DRAFT_B, "status": "gap", "due": "2020-11-11", "owed": "意见采纳情况",
          "problem": "《关于《某区教育事业发展规划（征求意见稿）》公开征求意见的公告》（2020-09-07）未发现意见采纳情况"}]}},
    {"requirement": "4.2", "check": "失效链接", "units": ["办公室"], "status": "gap", "due": None,
     "evidence": [], "message": "局网站发现1个失效链接（容许0个）：http://127.0.0.1:9/f/a.docx（HTTP 404，见"
                                + BASE + "5/9/art_3301_5.html）",
     "facts": {"broken": [{"page": BASE + "5/9/art_3301_5.html", "target": "http://127.0.0.1:9/f/a.docx",
                           "why": "HTTP 404", "text": "课后服务申请表.docx"}]}},
]
UNITS = ("办公室", "计财科")
FORBIDDEN = {
    "a command": re.compile(r"zwgk\s+[a-z]"),
    "a quarter code": re.compile(r"\d{4}Q[1-4]|(?<![A-Za-z0-9])Q[1-4](?![A-Za-z0-9])"),
    "a status code": re.compile(r"(?<![A-Za-z_-])(gap|met|late|at_risk|pending|manual|unverifiable)(?![A-Za-z_-])"),
    "doubled title marks": re.compile(r"《《"),
    "None": re.compile(r"(?<![A-Za-z])None(?![A-Za-z])"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("staff")
    config = load_config(write_config(folder))
    store = Store(folder / "zwgk.db")
    for as_of, findings in (("2020-09-30", RUN1), ("2020-12-31", RUN2)):
        rid = store.start_run("check", as_of=as_of)
        store.add_findings(rid, findings)
        store.finish_run(rid, "ok", {"findings": len(findings)})
    render_reports(store, PLAN, config, config.reports_dir)
    send_reports(store, config, PLAN, dry_run=True)
    outbox = config.outbox_dir / str(rid)
    store.close()
    return config.reports_dir, outbox


def page_text(path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    for tag in soup(["style", "script", "title"]):
        tag.decompose()
    return soup.get_text(" ")


def mail_bodies(path) -> tuple[str, str]:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    soup = BeautifulSoup(msg.get_body(("html",)).get_content(), "lxml")
    for tag in soup(["style", "script"]):
        tag.decompose()
    return text, soup.get_text(" ")


def visible_cells(path) -> list[str]:
    """Every cell staff see in the workbook (hidden columns, like 状态代码, left out)."""
    out = []
    for ws in openpyxl.load_workbook(path).worksheets:
        hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
        out += [str(c.value) for row in ws.iter_rows(min_row=2) for c in row
                if c.value is not None and c.column_letter not in hidden]
    return out


def everything_staff_read(reports, outbox) -> dict[str, str]:
    texts = {}
    for unit in UNITS:
        texts[f"{unit}.txt"] = (reports / "units" / f"{unit}.txt").read_text(encoding="utf-8")
        texts[f"{unit}.html"] = page_text(reports / "units" / f"{unit}.html")
        texts[f"{unit}.xlsx"] = "\n".join(visible_cells(reports / "units" / f"{unit}.xlsx"))
    texts["index.html"] = page_text(reports / "index.html")
    for eml in outbox.glob("*.eml"):
        plain, html = mail_bodies(eml)
        texts[eml.name + " text"], texts[eml.name + " html"] = plain, html
    return texts


def test_staff_read_chinese_only_without_commands_or_codes(world):
    reports, outbox = world
    texts = everything_staff_read(reports, outbox)
    assert {"办公室.eml text", "计财科.eml text", "办公室（汇总）.eml text"} <= set(texts)
    for name, text in texts.items():
        for what, pattern in FORBIDDEN.items():
            hit = pattern.search(text)
            assert not hit, f"{name} shows {what}: …{text[max(0, hit.start() - 40):hit.end() + 20]}…"
    office = texts["办公室.txt"]
    # the manual item keeps what to provide, and tells staff to reply instead of running a command
    assert "说明：需人工确认：干部培训的组织情况网页无法体现（请提供：培训通知或培训记录）。\n" in office
    assert "要求 7.2：请将干部培训的证明材料（网页链接或文件）回复办公室确认。" in office
    item = office[office.index("要求 7.2："):]
    item = item[:(item + "\n\n").index("\n\n")]
    assert "来源：计划未指定责任单位，由办公室负责" in item and "计划指定本单位" not in item   # says why, once
    assert "政务公开看山东 2020年第三季度报送0条，少于目标1条；政务公开看山东 第一季度 1/1，第二季度 1/1，第三季度 0/1" in office


def test_action_lines_count_the_right_days(world):
    reports, outbox = world
    office = (reports / "units" / "办公室.txt").read_text(encoding="utf-8")
    lines = {line.split("] ", 1)[1] for line in office.splitlines() if re.match(r"\d+\. \[", line)}
    # late: published 2020-10-16, 16 days after its date — not "92 days overdue" counted to the check's date
    assert ("要求 4.2：政务公开事项标准目录已公开但超过时限（应于2020-09-30前发布，2020-10-16发布，逾期16天），"
            "今后请按时发布。") in lines
    assert "要求 1.2：部门预算：已满足，请保持。" in {line.split("] ", 1)[1] for line in
                                                 (reports / "units" / "计财科.txt").read_text(encoding="utf-8").splitlines()
                                                 if re.match(r"\d+\. \[", line)}
    # two things owed by two dates: each with its own
    assert ("要求 4.1：请为《关于〈某区体育工作考核办法（征求意见稿）〉公开征求意见的公告》发布缩短征求意见期限的理由说明"
            "（应于2020-09-16前发布，已逾期106天）；请为《关于〈某区教育事业发展规划（征求意见稿）〉公开征求意见的公告》"
            "发布意见采纳情况（应于2020-11-11前发布，已逾期50天）") in lines, lines


def test_what_changed_comes_first(world):
    reports, outbox = world
    jck = (reports / "units" / "计财科.txt").read_text(encoding="utf-8")
    assert jck.index("【与上次检查相比】") < jck.index("【本单位事项】")
    assert "已解决" in jck[:jck.index("【本单位事项】")]
    office_mail, _ = mail_bodies(outbox / "办公室.eml")
    assert office_mail.index("新增") < office_mail.index("【本单位事项】")
    summary, summary_html = mail_bodies(outbox / "办公室（汇总）.eml")
    assert summary.index("与上次检查相比：新增") < summary.index("各单位待处理事项")
    # the office's summary: open items per unit, by their action lines, and the dashboard's file
    items = summary[summary.index("各单位待处理事项"):]
    assert "  办公室（" in items and "    - 逾期公开 · 要求 4.2：政务公开事项标准目录已公开但超过时限" in items
    assert str(reports / "index.html") in summary and str(reports / "index.html") in summary_html
    # per unit, only the counts there are (no row of zeros to read through)
    assert "\n  计财科：已满足 1；邮件：" in summary and "缺失 0" not in summary
    dashboard = page_text(reports / "index.html")
    assert dashboard.index("与上次检查相比") < dashboard.index("覆盖矩阵")
    assert "已解决" in dashboard[:dashboard.index("覆盖矩阵")]


def test_xlsx_problem_cells_are_sentences_and_the_broken_address_is_named(world):
    reports, _ = world
    wb = openpyxl.load_workbook(reports / "units" / "办公室.xlsx")
    header = [c.value for c in wb["发现"][1]]
    rows = [dict(zip(header, r)) for r in wb["发现"].iter_rows(min_row=2, values_only=True)]
    broken = [r for r in rows if r["检查项"] == "失效链接"][0]
    assert broken["问题/说明"] == "局网站发现1个失效链接（容许0个）"      # no wall of addresses
    ev_header = [c.value for c in wb["证据"][1]]
    evidence = [dict(zip(ev_header, r)) for r in wb["证据"].iter_rows(min_row=2, values_only=True)]
    link = [e for e in evidence if e["检查项"] == "失效链接"][0]
    assert link["链接"] == BASE + "5/9/art_3301_5.html"          # the article holding the link
    assert "课后服务申请表.docx" in link["问题"] and link["问题"].endswith("失效地址：http://127.0.0.1:9/f/a.docx")
