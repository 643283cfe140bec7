"""Routing per document: a group's findings reach the section owning the document at fault, not all eight.

Reads what staff see: the unit's text report, its HTML page, the dashboard's matrix cells.
"""
from __future__ import annotations

import re

import pytest

from conftest import column_table_rows
from crawler.config import load_config
from crawler.store import Store
from reports import render_reports

CONFIG = """\
contact: admin@example.org
paths: {data: ".", reports: reports, outbox: outbox}
sites:
  bureau: {name: 某区教育和体育局, base_url: "http://127.0.0.1:9"}
units:
  - {name: 办公室, kind: office, email: [bgs@example.org], columns: [通知公告]}
  - {name: 计财科, kind: section, email: [jck@example.org], columns: [财政预决算]}
  - {name: 学前教育科, kind: section, email: [xqk@example.org], columns: [学前教育]}
  - {name: 基础教育科, kind: section, email: [jjk@example.org], issuers: [某教基, 基础教育科]}
  - {name: 机关各相关科室, kind: group, members: [办公室, 计财科, 学前教育科, 基础教育科]}
  - {name: 专项组, kind: group, members: [计财科, 基础教育科], contact: 计财科}
lead_unit: 办公室
"""

BASE = "http://127.0.0.1:9/art/2020/"
DOCS = [  # (url, column, publisher, 文号, title)
    (BASE + "1.html", "学前教育", "某区教育和体育局", "", "某区普惠性民办幼儿园认定管理办法"),
    (BASE + "2.html", "政策文件", "基础教育科", "", "某区中小学课后服务实施办法"),
    (BASE + "3.html", "政策文件", "某区教育和体育局", "某教基〔2020〕3号", "某区义务教育学校招生工作方案"),
    (BASE + "4.html", "政策文件", "某区教育和体育局", "", "某区中小学校体育工作考核办法"),
    (BASE + "5.html", "政策文件", "某区教育和体育局", "", "某区中小学生作业管理实施意见"),
]
PLAN = {"sections": [{"title": "一、", "tasks": [{"number": 3, "title": "加强政策解读", "requirements": [
    {"id": "3.1", "text": "实时发布教育最新政策信息并做好解读。", "units": ["机关各相关科室"],
     "checks": [{"name": "政策解读", "kind": "interpretation", "params": {"policy": {"column": ["政策文件"]}}}]},
    {"id": "6.1", "text": "定期公开重点任务执行情况。", "units": ["机关各相关科室"],
     "checks": [{"name": "重点任务执行情况", "kind": "periodic", "params": {"what": "重点任务执行情况"}}]},
    {"id": "10.1", "text": "加强网站管理。", "units": ["办公室"],
     "checks": [{"name": "失效链接", "kind": "links", "params": {}}]},
    {"id": "6.2", "text": "做好审计整改公开。", "units": ["专项组"],
     "checks": [{"name": "审计整改", "kind": "presence", "params": {"what": "审计整改情况"}}]},
]}]}]}


def _fault(n: int, problem: str) -> dict:
    return {"url": DOCS[n][0], "status": "gap", "due": "2020-05-22", "problem": problem, "owed": "政策解读",
            "where": "政策解读"}   # as rules/kinds/interpretation.py writes it: the column its 解读 go in


FINDINGS = [
    {"requirement": "3.1", "check": "政策解读", "units": ["机关各相关科室"], "status": "gap", "due": "2020-05-22",
     "evidence": [{"url": d[0], "title": d[4], "published": "2020-05-19", "terms": ["办法"]} for d in DOCS],
     "message": "政策解读：5件政策文件，1件已有解读",
     "facts": {"at_fault": [_fault(0, "《某区普惠性民办幼儿园认定管理办法》未发现政策解读"),
                            _fault(1, "《某区中小学课后服务实施办法》未发现政策解读"),
                            _fault(2, "《某区义务教育学校招生工作方案》未发现政策解读"),
                            _fault(3, "《某区中小学校体育工作考核办法》未发现政策解读")]}},
    {"requirement": "6.1", "check": "重点任务执行情况", "units": ["机关各相关科室"], "status": "gap",
     "due": "2020-10-31", "evidence": [], "message": "未发现2020Q3的重点任务执行情况"},
    {"requirement": "10.1", "check": "失效链接", "units": ["办公室"], "status": "gap", "due": None,
     "evidence": [{"url": DOCS[4][0], "title": "失效链接：http://127.0.0.1:9/f/a.docx（附件无法打开）"}],
     "message": "局网站发现1个失效链接（容许0个）：http://127.0.0.1:9/f/a.docx（附件无法打开，见" + DOCS[4][0] + "）",
     "facts": {"broken": [{"page": DOCS[4][0], "target": "http://127.0.0.1:9/f/a.docx", "why": "附件无法打开",
                           "text": "作业管理实施意见.docx"}]}},
    {"requirement": "6.2", "check": "审计整改", "units": ["专项组"], "status": "gap",
     "due": "2020-12-31", "evidence": [], "message": "未发现审计整改情况"},
]


@pytest.fixture()
def out(tmp_path):
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    config = load_config(tmp_path / "zwgk.yaml")
    store = Store(tmp_path / "zwgk.db")
    for url, column, publisher, doc_no, title in DOCS:
        store.upsert_document({"url": url, "site": "bureau", "column_id": "1", "column_name": column,
                               "title": title, "published": "2020-05-19", "publisher": publisher,
                               "doc_no": doc_no, "body": "正文"})
    rid = store.start_run("check", as_of="2020-12-31")
    store.add_findings(rid, FINDINGS)
    store.finish_run(rid, "ok", {})
    render_reports(store, PLAN, config, tmp_path / "out")
    store.close()
    return tmp_path / "out"


def text(out, unit: str) -> str:
    return (out / "units" / f"{unit}.txt").read_text(encoding="utf-8")


def own_part(report: str) -> str:
    start = report.index("【本单位事项】")
    end = report.find("【全局共性事项】")
    return report[start:end if end > 0 else None]


def test_each_section_gets_its_own_documents(out):
    xq, jj, jc = text(out, "学前教育科"), text(out, "基础教育科"), text(out, "计财科")
    # by column: the 学前教育 policy is 学前教育科's, and only theirs
    assert "需处理：某区普惠性民办幼儿园认定管理办法" in own_part(xq)
    assert "普惠性民办幼儿园" not in own_part(jj) and "普惠性民办幼儿园" not in jc
    # by publisher and by 文号 prefix: 基础教育科
    assert "需处理：某区中小学课后服务实施办法" in own_part(jj)
    assert "需处理：某区义务教育学校招生工作方案" in own_part(jj)
    assert "来源：经“机关各相关科室”转本单位：文件所在栏目由本单位负责" in xq
    # 计财科 owns none of the policies: its report does not open with someone else's 解读
    assert "政策解读" not in own_part(jc)


def test_action_line_first_then_fault_then_other_documents(out):
    xq = own_part(text(out, "学前教育科"))
    first = xq[xq.index("1. ["):].splitlines()[0]
    assert first == ("1. [✗ 缺失] 要求 3.1：请在“政策解读”栏目发布《某区普惠性民办幼儿园认定管理办法》"
                     "的政策解读（应于2020-05-22前发布，已逾期223天）")
    # the document at fault is marked; the others sit behind 其他相关文件
    assert xq.index("需处理：某区普惠性民办幼儿园认定管理办法") < xq.index("其他相关文件（1）")
    assert "匹配" not in xq


def test_no_owner_known_goes_to_every_member_as_shared_and_says_so(out):
    # 4th policy (no column/publisher owner) and 6.1 (no document): nobody known → every member, shared
    for unit in ("办公室", "计财科", "学前教育科", "基础教育科"):
        report = text(out, unit)
        shared = report[report.index("【全局共性事项】"):]
        assert "无法确定具体负责科室，发送给全部成员单位" in shared
        assert "要求 6.1" in shared and "要求 6.1" not in own_part(report)
        # staff wording: no quarter codes
        assert "2020年第三季度" in shared and "2020Q3" not in report


def test_group_contact_before_members(out):
    assert "要求 6.2" in own_part(text(out, "计财科"))
    assert "要求 6.2" not in text(out, "基础教育科")


def test_matrix_shows_a_shared_item_once(out):
    html = (out / "index.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td class="cell status-(\w+)" data-status="\w+" data-unit="([^"]+)" data-requirement="6\.1"', html)
    assert [u for _, u in cells] == ["全局共性事项"]
    cells = re.findall(r'<td class="cell status-\w+" data-status="\w+" data-unit="([^"]+)" data-requirement="3\.1"', html)
    assert sorted(cells) == sorted(["学前教育科", "基础教育科", "全局共性事项"])


def test_broken_links_by_article_title_and_link_name(out):
    report = own_part(text(out, "办公室"))
    item = report[report.index("要求 10.1"):]
    assert item.splitlines()[0] == "要求 10.1：请修复或删除下列文章中的失效链接、补齐缺失的附件，修复后将链接回复办公室确认。"
    assert "问题：局网站发现1个失效链接（容许0个）\n" in item
    assert "需处理：某区中小学生作业管理实施意见（2020-05-19） — 其中“作业管理实施意见.docx”无法打开（附件无法打开）" in item
    assert "      失效地址：http://127.0.0.1:9/f/a.docx" in item
    html = (out / "units" / "办公室.html").read_text(encoding="utf-8")
    assert "<code>http://127.0.0.1:9/f/a.docx</code>" in html    # the URL behind the name


def test_a_stale_column_is_late_not_missing(tmp_path):
    """Columns without a stored class get one from their name (工作动态, 学前教育, 校园安全 → 动态, 14 days) or
    the config (column_classes); the dashboard shows the freshness rule's verdicts: 栏目更新不及时, never 缺失."""
    from test_reports_data import freshness_findings

    (tmp_path / "zwgk.yaml").write_text(CONFIG + "column_classes:\n  家长学校: 动态\n  疫情防控: exclude\n",
                                        encoding="utf-8")
    config = load_config(tmp_path / "zwgk.yaml")
    with Store(tmp_path / "zwgk.db") as store:
        for cid, name, stored, last in (("1", "工作动态", "other", "2020-11-30"), ("2", "教育要闻", "other", "2020-12-28"),
                                        ("3", "招生入学", "other", "2020-06-30"), ("4", "学前教育", "专题", "2020-12-20"),
                                        ("5", "校园安全", "other", "2020-10-31"), ("6", "家长学校", "专题", "2020-12-01"),
                                        ("7", "疫情防控", "other", "2020-05-01"), ("8", "扫黑除恶专题", "other", "2019-05-01")):
            store.upsert_column({"site": "bureau", "column_id": cid, "name": name, "class": stored,
                                 "url": f"http://127.0.0.1:9/col/col{cid}/index.html",
                                 "item_count": 5, "last_item_date": last, "state": "normal"})
        rid = store.start_run("check", as_of="2020-12-31")
        store.add_findings(rid, FINDINGS + freshness_findings(store, config, requirement="10.1"))
        store.finish_run(rid, "ok", {})
        render_reports(store, PLAN, config, tmp_path / "dash")
    html = (tmp_path / "dash" / "index.html").read_text(encoding="utf-8")
    rows = column_table_rows(html)
    # 栏目 | 类别 | 最新信息日期 | 距今天数 | 时限 | 信息条数 | 结论
    assert rows["工作动态"] == ["动态", "2020-11-30", "31", "14", "5", "✗ 栏目更新不及时（超期17天）"]
    assert rows["校园安全"] == ["动态", "2020-10-31", "61", "14", "5", "✗ 栏目更新不及时（超期47天）"]
    assert rows["家长学校"] == ["动态", "2020-12-01", "30", "14", "5", "✗ 栏目更新不及时（超期16天）"]   # config
    assert rows["学前教育"] == ["动态", "2020-12-20", "11", "14", "5", "✓ 正常"]
    assert rows["教育要闻"][-1] == "✓ 正常"
    assert (rows["招生入学"][0], rows["招生入学"][3], rows["招生入学"][-1]) == ("其他", "—", "未设时限")   # seasonal
    assert rows["扫黑除恶专题"][0] == "专题" and rows["扫黑除恶专题"][-1] == "未设时限"
    assert rows["疫情防控"][-1] == "不检查（配置排除）"
    assert not any("缺失" in cell for cells in rows.values() for cell in cells)
    assert "动态类14天，通知公告类183天" in html


def test_xlsx_speaks_chinese_with_the_code_hidden(out):
    import openpyxl

    ws = openpyxl.load_workbook(out / "units" / "学前教育科.xlsx")["发现"]
    header = [c.value for c in ws[1]]
    code = header.index("状态代码") + 1
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(code)].hidden
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    visible = [[v for i, v in enumerate(r, start=1) if i != code] for r in rows]
    codes = {"gap", "late", "met", "at_risk", "pending", "unverifiable", "manual"}
    assert not any(str(v) in codes for r in visible for v in r)
    first = dict(zip(header, rows[0]))
    assert first["状态"] == "缺失" and first["建议措施"].startswith("请在“政策解读”栏目发布《某区普惠性民办幼儿园认定管理办法》的政策解读")
    shared = [dict(zip(header, r)) for r in rows if r[0] == "6.1"][0]
    assert "全局共性事项" in shared["备注"] and "2020年第三季度" in shared["问题/说明"]
    ev = openpyxl.load_workbook(out / "units" / "学前教育科.xlsx")["证据"]
    assert [c.value for c in ev[1]][-1] == "问题"
