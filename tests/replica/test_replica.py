"""Replica sites: determinism, ground truth, and real HTTP behaviour (docs/contracts.md §1)."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from replica import ReplicaServer, build_world
from replica.world import workdays_between

ROOT = Path(__file__).resolve().parents[2]

KINDS = {"budget", "final_account", "sangong", "project_approval", "project_progress", "enroll_policy", "enroll_zone",
         "enroll_plan", "enroll_result", "reopening_guide", "policy", "interpretation", "consultation",
         "consultation_feedback", "open_day", "function_catalog", "power_list", "double_random", "one_network",
         "work_report_progress", "audit_rectification", "npc_reply", "cppcc_reply", "proposal_summary",
         "standard_catalog", "disclosure_guide", "annual_report", "press_conference", "news", "notice", "personnel",
         "plan_doc", "upper_item"}
DEFECT_TYPES_NIGHT0 = {"missing", "late", "short_consultation", "no_feedback", "no_interpretation",
                       "late_interpretation", "stale_column", "blank_column", "broken_link", "missing_attachment",
                       "low_submissions", "missing_period", "decoy"}
RECORD_RE = re.compile(r'<record><!\[CDATA\[<li><a href="([^"]+)" title="([^"]*)"[^>]*>.*?</a><span>(\d{4}-\d\d-\d\d)</span></li>\]\]></record>')


@pytest.fixture(scope="module")
def world1():
    return build_world(1, 1.0, 0)


@pytest.fixture(scope="module")
def m1(world1):
    return world1.manifest()


@pytest.fixture(scope="module")
def small():
    return build_world(1, 0.1, 0).manifest()


def docs_of(m, site="bureau", **kw):
    return [d for d in m["documents"] if d["site"] == site and all(d.get(k) == v for k, v in kw.items())]


def defects_of(m, type_):
    return [d for d in m["defects"] if d["type"] == type_]


# --------------------------------------------------------------------------- the model

def test_build_is_fast_and_deterministic(m1):
    t = time.perf_counter()
    again = build_world(1, 1.0, 0).manifest()
    assert time.perf_counter() - t < 2.0
    assert json.dumps(again, ensure_ascii=False) == json.dumps(m1, ensure_ascii=False)


def test_determinism_across_processes(small):
    """Same seed in a fresh interpreter (different hash seed) gives the identical manifest."""
    out = subprocess.run([sys.executable, "-m", "replica", "manifest", "--seed", "1", "--scale", "0.1"],
                         cwd=ROOT, capture_output=True, check=True, env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout) == json.loads(json.dumps(small))


def test_different_seed_differs(small):
    other = build_world(2, 0.1, 0).manifest()
    assert other["documents"] != small["documents"]
    assert {d["title"] for d in docs_of(other, kind="news")} != {d["title"] for d in docs_of(small, kind="news")}
    # the planted ground truth does not depend on the seed
    key = lambda m: sorted((d["type"], d["requirement"], "" if d["type"] == "broken_link" else d["detail"])
                           for d in m["defects"])
    assert key(other) == key(small)


def test_scale_one_counts(m1):
    bureau = docs_of(m1)
    assert len(bureau) >= 2000
    assert m1["date"] == "2020-12-31" and m1["night"] == 0 and m1["changes"] == {"added": [], "edited": [], "withdrawn": []}
    cols = m1["sites"]["bureau"]["columns"]
    assert len(cols) >= 40
    assert m1["sites"]["bureau"]["name"] == "济宁市兖州区教育和体育局"
    for key, name, col in [("province", "山东省人民政府", "政务公开看山东"), ("city", "济宁市人民政府", "政务公开经验做法"),
                           ("district", "兖州区人民政府", "政务公开看兖州")]:
        site = m1["sites"][key]
        assert site["name"] == name
        named = [c for c in site["columns"] if c["name"] == col]
        assert len(named) == 1 and 200 <= named[0]["count"] <= 400
        assert site["named_column"] == named[0]["id"]
    assert m1["sites"]["district"]["dataproxy"] == "/module/jpage/dataproxy.jsp"
    assert m1["sites"]["bureau"]["dataproxy"] == "/module/web/jpage/dataproxy.jsp"
    # dates inside the crawl window; counts in the manifest agree with the documents
    assert all("2019-01-01" <= d["published"] <= "2020-12-30" for d in m1["documents"])
    per_col = Counter(d["column"] for d in bureau)
    assert all(c["count"] == per_col.get(c["id"], 0) for c in cols)
    assert len({d["url"] for d in m1["documents"]}) == len(m1["documents"])
    assert {d["kind"] for d in m1["documents"]} - {None} == KINDS
    assert sum(d["encoding"] == "gbk" for d in bureau) == 20
    assert all(d["published"] < "2020-01-01" for d in bureau if d["encoding"] == "gbk")
    assert sum(d["publisher"] == "兖州区教育和体育局" for d in bureau) > len(bureau) / 2
    assert any(d["publisher"] == "兖州区实验小学" for d in bureau)


def test_every_defect_type_present(m1, small):
    for m in (m1, small):
        types = Counter(d["type"] for d in m["defects"])
        assert set(types) == DEFECT_TYPES_NIGHT0
        assert types["broken_link"] == 3 and types["missing_attachment"] == 1
        assert all(d["requirement"] is None or re.fullmatch(r"\d{1,2}\.\d", d["requirement"]) for d in m["defects"])
    # scale only shrinks ordinary news: every planted item survives
    assert {d["kind"] for d in small["documents"]} - {None} == KINDS
    planted = lambda m: sorted((d["kind"], d["title"], d["published"]) for d in docs_of(m) if d["kind"] not in
                               {"news", "notice", "personnel", "plan_doc", None})
    assert planted(small) == planted(m1)
    assert len(docs_of(small)) < len(docs_of(m1)) / 4


def test_ground_truth_holds(m1):
    b = lambda **kw: docs_of(m1, **kw)
    # final accounts: the bureau's 2019 one is missing; 2018 (published 2019) and other units' are decoys
    assert [d["year"] for d in b(kind="final_account")] == [2018]
    assert b(kind="final_account")[0]["published"].startswith("2019")
    hw = [d for d in docs_of(m1, "district", kind="final_account", year=2019) if d["publisher"] == "兖州区卫生健康局"]
    assert len(hw) == 1 and hw[0]["title"] == "兖州区卫生健康局2019年度部门决算"
    miss = {(d["requirement"], d["kind"], d["year"]) for d in defects_of(m1, "missing")}
    assert miss == {("1.2", "final_account", 2019), ("1.3", "enroll_plan", 2020), ("6.3", "proposal_summary", 2020)}
    assert [d["year"] for d in b(kind="enroll_plan")] == [2019]
    budget = [d for d in b(kind="budget") if d["year"] == 2020]
    assert len(budget) == 1 and budget[0]["published"].startswith("2020-02")
    assert {a["type"] for a in budget[0]["attachments"]} == {"pdf", "xlsx"}
    assert any(d["year"] == 2020 for d in b(kind="sangong"))
    # standard catalogue late
    sc = b(kind="standard_catalog")
    assert [d["published"] for d in sc] == ["2020-10-16"]
    late = defects_of(m1, "late")
    assert late[0]["requirement"] == "7.1" and late[0]["due"] == "2020-09-30" and late[0]["urls"] == [sc[0]["url"]]
    # consultations: one 15-day window, one without feedback
    short = defects_of(m1, "short_consultation")
    assert len(short) == 1 and short[0]["window_days"] == 15
    assert len(defects_of(m1, "no_feedback")) == 1
    assert len(b(kind="consultation")) == 5 and len(b(kind="consultation_feedback")) == 4
    # interpretations: one missing, one 6 working days late, the rest within 3
    pols = {d["url"]: d for d in b(kind="policy")}
    assert len(pols) == 11
    li = defects_of(m1, "late_interpretation")
    assert len(li) == 1 and li[0]["working_days"] == 6
    p, i = (pols[li[0]["urls"][0]], next(d for d in b(kind="interpretation") if d["url"] == li[0]["urls"][1]))
    assert workdays_between(dt.date.fromisoformat(p["published"]), dt.date.fromisoformat(i["published"])) == 6
    assert len(defects_of(m1, "no_interpretation")) == 1
    # work-report progress: quarterly, 2020Q2 missing
    wr = sorted(d["title"] for d in b(kind="work_report_progress", year=2020))
    assert wr == ["2020年政府工作报告涉及教育体育重点任务第一季度执行情况", "2020年政府工作报告涉及教育体育重点任务第三季度执行情况"]
    assert defects_of(m1, "missing_period")[0]["period"] == "2020Q2"
    # proposal summary missing for 2020 while replies are present
    assert len(b(kind="npc_reply", year=2020)) == 5 and len(b(kind="cppcc_reply", year=2020)) == 4
    assert [d["year"] for d in b(kind="proposal_summary")] == [2019]
    # annual report for 2019 by 2020-01-31
    ar = b(kind="annual_report", year=2019)
    assert len(ar) == 1 and ar[0]["published"] <= "2020-01-31"
    # upper columns: bureau items per quarter of 2020
    for site, q3 in (("province", 0), ("city", 1), ("district", 2)):
        q = Counter(f"Q{(int(d['published'][5:7]) - 1) // 3 + 1}" for d in docs_of(m1, site, about_bureau=True)
                    if d["published"].startswith("2020"))
        assert q["Q3"] == q3 and q["Q1"] >= 1 and q["Q2"] >= 1 and q["Q4"] >= 1
    low = defects_of(m1, "low_submissions")
    assert low == [dict(low[0], site="province", quarter="2020Q3", count=0, target=1)]
    decoy_titles = [d["title"] for d in docs_of(m1, "province", about_bureau=False) if "曲阜市教育和体育局" in d["title"]]
    assert decoy_titles
    # freshness: two stale 动态 columns (体育工作; 校园安全, a work column its ColumnType calls 专题专栏), one
    # blank column, all other 动态 columns (学前教育, 义务教育 … included) fresh
    cols = {c["id"]: c for c in m1["sites"]["bureau"]["columns"]}
    stale = {d["name"]: d for d in defects_of(m1, "stale_column")}
    assert sorted(stale) == ["体育工作", "校园安全"]
    assert [(cols[stale[n]["column"]]["last_item_date"], cols[stale[n]["column"]]["class"]) for n in sorted(stale)] == [
        ("2020-09-10", "动态"), ("2020-11-27", "动态")]
    blank = defects_of(m1, "blank_column")[0]
    assert cols[blank["column"]]["count"] == 0 and cols[blank["column"]]["last_item_date"] is None
    assert {cols[i]["name"] for i in cols if cols[i]["class"] == "动态"} >= {"学前教育", "义务教育", "校园安全", "语言文字"}
    for c in cols.values():
        if c["class"] == "动态" and c["name"] not in stale:
            assert c["last_item_date"] >= "2020-12-17"
        if c["class"] in ("通知公告", "政策文件"):
            assert c["last_item_date"] >= "2020-07-01"
    # 信息公开 items carry 索引号; policies carry 文号
    assert all(re.fullmatch(r"11370882MB2857013J/20(19|20)-\d{5}", d["index_no"]) for d in pols.values())
    assert all(re.fullmatch(r"兖教体发〔20(19|20)〕\d+号", d["doc_no"]) for d in pols.values())


def test_nights_pure():
    m0 = build_world(1, 0.1, 0).manifest()
    m1_ = build_world(1, 0.1, 1).manifest()
    m2 = build_world(1, 0.1, 2).manifest()
    assert m1_["date"] == "2021-01-01" and m2["date"] == "2021-01-02"
    ch = m1_["changes"]
    assert (len(ch["added"]), len(ch["edited"]), len(ch["withdrawn"])) == (5, 3, 1)
    urls0 = {d["url"] for d in m0["documents"]}
    urls1 = {d["url"] for d in m1_["documents"]}
    assert urls1 == (urls0 - set(ch["withdrawn"])) | set(ch["added"])
    assert set(ch["edited"]) <= urls0 & urls1
    assert defects_of(m1_, "withdrawn")[0]["urls"] == ch["withdrawn"]
    assert len(m2["changes"]["added"]) == 2 and m2["changes"]["withdrawn"] == []
    assert defects_of(m2, "withdrawn")[0]["urls"] == ch["withdrawn"]   # still withdrawn


# --------------------------------------------------------------------------- over HTTP

@pytest.fixture(scope="module")
def rep():
    with ReplicaServer(seed=1, scale=0.1, night=0) as r:
        yield r


def _records(xml: str):
    return RECORD_RE.findall(xml)


def _bureau_doc(m, **kw):
    return next(d for d in docs_of(m, **kw))


def test_server_basics(rep):
    assert set(rep.urls) == {"bureau", "province", "city", "district"}
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", u) for u in rep.urls.values())
    assert rep.manifest == json.loads(json.dumps(build_world(1, 0.1, 0).manifest()))
    st, h, body = rep.fetch("bureau", "/index.html")
    assert st == 200 and h["content-type"] == "text/html; charset=UTF-8"
    html = body.decode("utf-8")
    for c in rep.manifest["sites"]["bureau"]["columns"]:
        assert f'<a href="/col/col{c["id"]}/index.html">{c["name"]}</a>' in html
    assert "Produced By 大汉网络" in html
    st, h, body = rep.fetch("bureau", "/robots.txt")
    assert st == 200 and b"Disallow: /module/search/" in body
    assert rep.fetch("bureau", "/nothing/here.html")[0] == 404
    assert rep.fetch("bureau", "/col/col9999/index.html")[0] == 404
    for d in defects_of(rep.manifest, "broken_link"):
        assert rep.fetch("bureau", d["to"])[0] == 404
        st, _, body = rep.fetch("bureau", d["from"])
        assert st == 200 and d["to"].encode() in body


def test_column_page_and_dataproxy(rep):
    m = rep.manifest
    col = next(c for c in m["sites"]["bureau"]["columns"] if c["name"] == "工作动态")
    st, h, body = rep.fetch("bureau", col["url"])
    html = body.decode("utf-8")
    assert st == 200
    assert '<meta name="ColumnName" content="工作动态">' in html
    assert '<script type="text/xml">' in html and "<datastore>" in html
    assert f"totalRecord:{col['count']}" in html and "/module/web/jpage/dataproxy.jsp" in html
    wid, uid = re.search(r"webid=(\d+)[^\"']*?unitid=(\d+)", html).groups()
    assert wid == "89"
    first = _records(html)
    assert len(first) == 15
    assert first[0][2] == col["last_item_date"]
    titles = {d["url"]: d["title"] for d in docs_of(m, column=col["id"])}
    assert all(titles[u] == t for u, t, _ in first)
    # POST range style, 3 display pages per call
    form = {"col": 1, "appid": 1, "webid": wid, "path": "/", "columnid": col["id"], "sourceContentType": 1,
            "unitid": uid, "webname": "济宁市兖州区教育和体育局", "permissiontype": 0}
    st, h, body = rep.fetch("bureau", "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=45&perpage=15",
                            method="POST", data=form, headers={"X-Requested-With": "XMLHttpRequest"})
    xml = body.decode("utf-8")
    assert st == 200 and h["content-type"].startswith("text/xml")
    assert f"<totalrecord>{col['count']}</totalrecord>" in xml
    assert f"<totalpage>{-(-col['count'] // 15)}</totalpage>" in xml
    got = _records(xml)
    assert len(got) == 30
    # GET page style agrees with the range
    st, _, body = rep.fetch("bureau", f"/module/web/jpage/dataproxy.jsp?page=2&appid=1&webid={wid}&path=/"
                                      f"&columnid={col['id']}&unitid={uid}&permissiontype=0")
    assert _records(body.decode()) == got[:15]
    # the whole list: newest first, stops at totalrecord, exactly the manifest's documents
    allrec = list(first)
    s = 16
    while s <= col["count"] + 45:
        st, _, body = rep.fetch("bureau", f"/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={s + 44}&perpage=15",
                                method="POST", data=form)
        allrec += _records(body.decode())
        s += 45
    assert len(allrec) == col["count"]
    assert [r[2] for r in allrec] == sorted((r[2] for r in allrec), reverse=True)
    assert {r[0] for r in allrec} == set(titles)
    # the district site uses the older path only
    dcol = m["sites"]["district"]["named_column"]
    st, _, body = rep.fetch("district", f"/col/col{dcol}/index.html")
    assert b"/module/jpage/dataproxy.jsp" in body and b"/module/web/jpage/dataproxy.jsp" not in body
    dform = dict(form, columnid=dcol, webid=m["sites"]["district"]["webid"])
    st, _, body = rep.fetch("district", "/module/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
                            method="POST", data=dform)
    n = len(docs_of(m, "district", column=dcol))
    assert st == 200 and f"<totalrecord>{n}</totalrecord>".encode() in body and len(_records(body.decode())) == min(45, n)
    assert rep.fetch("district", "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45", method="POST",
                     data=dform)[0] == 404


def _meta(html: str, name: str) -> str:
    return re.search(rf'<meta name="{name}" content="([^"]*)">', html).group(1)


def _cell(html: str, label_re: str) -> str:
    return re.search(rf"<td[^>]*>{label_re}：</td><td[^>]*>([^<]*)</td>", html).group(1)


def test_article_meta_and_header_table(rep):
    m = rep.manifest
    d = next(x for x in docs_of(m, kind="policy") if x["published"] == "2020-08-18")
    st, h, body = rep.fetch("bureau", d["url"])
    html = body.decode("utf-8")
    assert st == 200 and h["etag"] and h["last-modified"]
    assert _meta(html, "ArticleTitle") == d["title"] == "关于印发《兖州区义务教育学校教师“县管校聘”管理改革实施方案》的通知"
    assert re.fullmatch(r"2020-08-18 \d\d:\d\d", _meta(html, "PubDate"))
    assert _meta(html, "ContentSource") == d["publisher"] == "兖州区教育和体育局"
    assert _meta(html, "SiteName") == "济宁市兖州区教育和体育局" and _meta(html, "ColumnName") == "政策文件"
    assert _cell(html, "索 引 号") == d["index_no"]
    assert _cell(html, "文\u3000\u3000号") == d["doc_no"] == "兖教体发〔2020〕25号"
    assert _cell(html, "发布日期") == "2020-08-18" and _cell(html, "发布机构") == "兖州区教育和体育局"
    body_part = html.split('<meta name="ContentStart">')[1].split('<meta name="ContentEnd">')[0]
    assert "第一条" in body_part and "相关链接" not in body_part and "网站标识码" not in body_part
    assert "相关链接" in html.split('<meta name="ContentEnd">')[1]
    # the late interpretation links to this policy from its body
    li = defects_of(m, "late_interpretation")[0]
    st, _, body = rep.fetch("bureau", li["urls"][1])
    assert f'<a href="{d["url"]}"'.encode() in body
    # a consultation states its window in the body
    c = next(x for x in docs_of(m, kind="consultation") if x["published"] == "2020-06-01")
    assert "征求意见时间：2020年6月1日至2020年7月1日" in rep.fetch("bureau", c["url"])[2].decode()
    # the 2019 annual report has its six part headings in the body
    ar = _bureau_doc(m, kind="annual_report", year=2019)
    text = rep.fetch("bureau", ar["url"])[2].decode()
    parts = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况",
             "存在的主要问题及改进情况", "其他需要报告的事项"]
    for num, part in zip("一二三四五六", parts):
        assert f"<p>{num}、{part}</p>" in text.split('<meta name="ContentStart">')[1]


def test_gbk_page(rep):
    d = next(x for x in docs_of(rep.manifest) if x["encoding"] == "gbk")
    st, h, body = rep.fetch("bureau", d["url"])
    assert st == 200 and h["content-type"] == "text/html; charset=GBK"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    html = body.decode("gbk")
    assert '<meta charset="gbk">' in html and _meta(html, "ArticleTitle") == d["title"]
    assert "<!--ZJEG_RSS.content.begin-->" in html


def test_attachments(rep):
    import openpyxl
    import pdfplumber
    m = rep.manifest
    budget = next(d for d in docs_of(m, kind="budget") if d["year"] == 2020)
    pdf = next(a for a in budget["attachments"] if a["type"] == "pdf")
    page = rep.fetch("bureau", budget["url"])[2].decode()
    assert f'<a href="{pdf["url"]}"' in page and "详见附件" in page and "公务接待费" not in page
    st, h, data = rep.fetch("bureau", pdf["url"])
    assert st == 200 and h["content-type"] == "application/pdf" and data.startswith(b"%PDF")
    assert "attachment" in h["content-disposition"]
    with pdfplumber.open(io.BytesIO(data)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "济宁市兖州区教育和体育局2020年部门预算" in text and "2020年部门预算" in text
    assert re.search(r"三公经费预算表", text) and re.search(r"公务接待费\s*\d+\.\d\d", text)
    xlsx = next(a for a in budget["attachments"] if a["type"] == "xlsx")
    st, h, data = rep.fetch("bureau", xlsx["url"])
    assert st == 200 and "spreadsheetml" in h["content-type"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["说明", "收支预算总表", "三公经费预算表"]
    assert wb["说明"]["A1"].value == "济宁市兖州区教育和体育局2020年部门预算"
    assert rep.fetch("bureau", xlsx["url"])[2] == data                     # deterministic, cached
    # a DOCX opens with python-docx and mentions the item
    import docx
    ep = next(d for d in docs_of(m, kind="enroll_policy", year=2020) if d["attachments"])
    st, _, data = rep.fetch("bureau", ep["attachments"][0]["url"])
    assert st == 200 and ep["title"] in [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    # the missing attachment answers 404, the sibling works
    ma = defects_of(m, "missing_attachment")[0]
    doc = next(d for d in docs_of(m) if d["url"] == ma["urls"][0])
    assert [a["missing"] for a in doc["attachments"]] == [True, False] and doc["attachments"][0]["url"] == ma["attachment"]
    assert rep.fetch("bureau", ma["attachment"])[0] == 404
    assert rep.fetch("bureau", doc["attachments"][1]["url"])[0] == 200
    # attachments belong to their own site only
    assert rep.fetch("province", pdf["url"])[0] == 404


def test_conditional_get(rep):
    d = _bureau_doc(rep.manifest, kind="news")
    st, h, body = rep.fetch("bureau", d["url"])
    assert st == 200
    st2, h2, body2 = rep.fetch("bureau", d["url"], headers={"If-None-Match": h["etag"]})
    assert st2 == 304 and body2 == b"" and h2["etag"] == h["etag"]
    assert rep.fetch("bureau", d["url"], headers={"If-Modified-Since": h["last-modified"]})[0] == 304
    assert rep.fetch("bureau", d["url"], headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})[0] == 200
    assert rep.fetch("bureau", d["url"], headers={"If-None-Match": '"other"'})[0] == 200


def test_night_switch():
    with ReplicaServer(seed=1, scale=0.1, night=0) as r:
        m0 = r.manifest
        ch_expected = build_world(1, 0.1, 1).manifest()["changes"]
        edited = ch_expected["edited"][0]
        _, h0, b0 = r.fetch("bureau", edited)
        wd = ch_expected["withdrawn"][0]
        col = next(d for d in docs_of(m0) if d["url"] == wd)["column"]
        assert r.fetch("bureau", wd)[0] == 200
        m1_ = r.set_night(1)
        assert m1_["night"] == 1 and m1_["date"] == "2021-01-01" and m1_["changes"] == ch_expected
        assert r.fetch("bureau", wd)[0] == 404
        st, h1, b1 = r.fetch("bureau", edited)
        assert st == 200 and h1["etag"] != h0["etag"] and b1 != b0 and "更正" in b1.decode()
        assert r.fetch("bureau", edited, headers={"If-None-Match": h0["etag"]})[0] == 200
        # the withdrawn article is gone from its column list; the added ones are listed
        form = {"col": 1, "appid": 1, "webid": 89, "path": "/", "columnid": col, "sourceContentType": 1,
                "unitid": 0, "permissiontype": 0}
        xml = r.fetch("bureau", "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=1000&perpage=15",
                      method="POST", data=form)[2].decode()
        assert wd not in xml
        n = len(docs_of(m1_, column=col))
        assert f"<totalrecord>{n}</totalrecord>" in xml
        listed = set()
        for c in {d["column"] for d in m1_["documents"] if d["url"] in ch_expected["added"] and d["site"] == "bureau"}:
            listed |= {u for u, _, _ in _records(r.fetch("bureau", f"/col/col{c}/index.html")[2].decode())}
        assert {u for u in ch_expected["added"] if u.startswith("/art/2020/12/31/art_33")} <= listed
        dist = [d for d in m1_["documents"] if d["url"] in ch_expected["added"] and d["site"] == "district"]
        assert dist and dist[0]["about_bureau"] is True
        assert dist[0]["url"] in r.fetch("district", f"/col/col{dist[0]['column']}/index.html")[2].decode()
        # an untouched article keeps its validator across nights
        same = next(d for d in docs_of(m0, kind="news") if d["url"] not in ch_expected["edited"])
        st, h, _ = r.fetch("bureau", same["url"])
        assert r.fetch("bureau", same["url"], headers={"If-None-Match": h["etag"]})[0] == 304
        # night 2 repeats night 1 plus two adds
        m2 = r.set_night(2)
        assert len(m2["changes"]["added"]) == 2 and all(r.fetch("bureau", u)[0] == 200 for u in m2["changes"]["added"])
        assert r.fetch("bureau", wd)[0] == 404
        # and back
        assert r.set_night(0)["documents"] == m0["documents"]
        assert r.fetch("bureau", wd)[0] == 200


def test_server_process_is_always_stopped():
    r = ReplicaServer(seed=3, scale=0.05)
    with pytest.raises(ZeroDivisionError):
        with r:
            proc = r.proc
            assert r.fetch("city", "/index.html")[0] == 200
            assert r.fetch("city", "/index.html", method="HEAD")[2] == b""
            1 / 0
    assert proc.poll() is not None and r.proc is None
    r.stop()                                    # idempotent
    with pytest.raises(RuntimeError):
        ReplicaServer(seed=1, scale=0.1, python="/bin/false", startup_timeout=5).start()
