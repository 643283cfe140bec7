"""Reports: the dashboard, unit pages (HTML, text, XLSX), escaping of crawled text, 'what changed'."""
from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pytest
from click.testing import CliRunner

from reports import render_reports
from reports.model import build_model
from reports.planview import PlanIndex, load_plan
from reports.actions import plain
from reports.renderers import neutralise, safe_url
from test_reports_data import EV_B, EV_C, FORMULA_MESSAGE, HOSTILE, PLAN, RUN2, freshness_findings, make_world


@pytest.fixture()
def world(tmp_path):
    config, store, ids = make_world(tmp_path)
    yield tmp_path, config, store, ids
    store.close()


@pytest.fixture()
def rendered(world):
    tmp_path, config, store, ids = world
    out = tmp_path / "out"
    summary = render_reports(store, PLAN, config, out)
    return out, summary, ids


def statuses_in_order(html: str) -> list[str]:
    return re.findall(r'<article class="finding status-(\w+)"', html)


def test_files_for_every_recipient_unit(rendered):
    out, summary, ids = rendered
    assert summary["run_id"] == ids[1]
    assert summary["as_of"] == "2020-12-31"
    assert summary["index"] == str((out / "index.html").resolve())
    assert (out / "index.html").is_file()
    for unit in ("办公室", "计财科", "基础教育科", "学前教育科"):
        for suffix in (".html", ".xlsx", ".txt"):
            assert (out / "units" / f"{unit}{suffix}").is_file(), (unit, suffix)
    # the group is routed (to its contact or its members) and never gets files of its own
    assert not (out / "units" / "机关各科室.html").exists()
    assert not (out / "units" / "区直各学校（单位、幼儿园）.html").exists()
    for rid in ("1.1", "1.2", "1.3", "4.1", "4.2", "6.1", "7.2"):
        assert (out / "requirements" / f"{rid}.html").is_file()
    assert summary["units"]["基础教育科"]["action"] == 2       # gap + late
    assert summary["units"]["基础教育科"]["counts"]["at_risk"] == 0    # 4.1 is shared (全局共性事项), not its own
    assert summary["counts"] == {"gap": 1, "late": 1, "at_risk": 1, "unverifiable": 1, "pending": 1,
                                 "manual": 1, "met": 2}
    assert summary["coverage"] == pytest.approx(2 / 5)


def test_unit_page_puts_gaps_and_late_first(rendered):
    out, _, _ = rendered
    html = (out / "units" / "基础教育科.html").read_text(encoding="utf-8")
    assert statuses_in_order(html) == ["gap", "late", "at_risk"]
    # header: unit, plan, as-of date; counts by status
    assert "基础教育科 · 政务公开检查报告" in html
    assert "截至</dt><dd>2020-12-31" in html
    # the requirement in the plan's own words, what is missing, due date, suggested action
    gap = html.index('<article class="finding status-gap"')
    late = html.index('<article class="finding status-late"')
    gap_card = html[gap:late]
    assert PLAN["sections"][0]["tasks"][0]["requirements"][2]["text"] in gap_card
    assert "=cmd|&#39; /C calc&#39;!A0 未找到2020年招生结果公告" in gap_card
    assert "2020-09-30" in gap_card
    action = re.search(r'<p class="action-line">([^<]*)</p>', gap_card).group(1)
    assert action.endswith("（应于2020-09-30前发布，已逾期92天）")   # the action line: by when, how late
    assert "经“区直各学校（单位、幼儿园）”转本单位" not in gap_card      # named directly as well as via group
    at_risk = html[html.index('<article class="finding status-at_risk"'):]
    assert "经“机关各科室”转本单位：无法确定所属科室，发送给全部成员单位" in at_risk
    assert html.index("与上次检查相比") < html.index("本单位事项") < html.index("缺失和逾期事项") < gap < late \
        < html.index("全局共性事项") < html.index('<article class="finding status-at_risk"')


def test_other_unit_orders(rendered):
    out, _, _ = rendered
    jck = (out / "units" / "计财科.html").read_text(encoding="utf-8")
    assert statuses_in_order(jck) == ["unverifiable", "met", "met", "at_risk"]   # shared 4.1 last
    bgs = (out / "units" / "办公室.html").read_text(encoding="utf-8")
    assert statuses_in_order(bgs) == ["pending", "manual", "at_risk"]
    assert "未分配，转办公室" in bgs
    # met items carry their evidence links
    met = jck[jck.index("已满足的事项及证据"):]
    assert '<a href="http://127.0.0.1:9/art/2020/12/1/art_3302_3.html" rel="noopener noreferrer">兖州区教育和体育局2020年部门预算</a>' in met
    empty = (out / "units" / "兖州区实验小学.html").read_text(encoding="utf-8")
    assert "本期没有分配给本单位的检查项" in empty


def test_changes_since_previous_run(rendered):
    out, _, _ = rendered
    jck = (out / "units" / "计财科.html").read_text(encoding="utf-8")
    changes = jck[jck.index('id="sec-changes"'):]
    assert "新增 <b>0</b> 项，已解决 <b>1</b> 项" in changes
    assert "已解决（1）" in changes and "要求 1.2" in changes
    assert "新增证据（2）" in changes and EV_B["url"] in changes and EV_C["url"] in changes
    jjk = (out / "units" / "基础教育科.html").read_text(encoding="utf-8")
    changes = jjk[jjk.index('id="sec-changes"'):]
    assert "新增（1）" in changes   # the late enrolment plan; the enrolment-result gap is not new
    new_gaps = changes[changes.index("新增（1）"):changes.index("新增证据（")]
    assert new_gaps.count("要求 1.3") == 1 and "逾期公开" in new_gaps
    txt = (out / "units" / "计财科.txt").read_text(encoding="utf-8")
    assert "新增：0 项；已解决：1 项" in txt


def test_first_run_has_no_previous(tmp_path):
    config, store, _ = make_world(tmp_path, runs=1)
    render_reports(store, PLAN, config, tmp_path / "out")
    html = (tmp_path / "out" / "units" / "计财科.html").read_text(encoding="utf-8")
    assert "这是第一次检查" in html
    store.close()


def test_hostile_titles_are_text_in_every_html_output(rendered):
    out, _, _ = rendered
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 1 + 5 + 7
    shown = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert 'onmouseover="alert' not in html, page
        assert 'href="javascript:' not in html.lower(), page
        assert "<img src=x" not in html, page
        if "项目进展&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#34; onmouseover=&#34;alert(1)" in html:
            shown += 1
    # shown (escaped) on the unit page of 计财科 and on requirement 1.1's page
    assert shown >= 2
    assert "@SUM(1+1) 招生计划（javascript:alert(document.cookie)）" in (out / "units" / "基础教育科.html").read_text(encoding="utf-8")


def test_dashboard_matrix(rendered):
    out, _, _ = rendered
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "http://" not in re.sub(r'href="http://127\.0\.0\.1:9[^"]*"', "", html).split("<main>")[0]
    rows = re.findall(r'<tr data-requirement="([^"]+)">', html)
    assert rows == ["1.1", "1.2", "1.3", "4.1", "4.2", "6.1", "7.2"]
    heads = re.findall(r'<th scope="col" data-unit="([^"]+)">', html)
    assert heads == ["办公室", "计财科", "基础教育科", "全局共性事项"]   # 学前教育科 has only the shared 4.1
    cells = dict(((r, u), s) for s, u, r in re.findall(
        r'<td class="[^"]*" data-status="(\w*)" data-unit="([^"]+)" data-requirement="([^"]+)"', html))
    assert cells[("1.3", "基础教育科")] == "gap"          # worst of gap and late
    assert cells[("1.2", "计财科")] == "met"
    assert cells[("4.1", "全局共性事项")] == "at_risk"     # a group's item nobody owns: once, not per member
    assert cells[("4.1", "计财科")] == ""
    assert cells[("7.2", "办公室")] == "manual"           # unassigned → lead office
    assert cells[("1.3", "计财科")] == ""
    # colour AND text: every status cell carries its label
    assert '>✗ 1缺失/2项</a></td>' in html and ' ×2<' not in html and '>✓ 已满足</a></td>' in html
    # cells link to the unit page at the requirement, which has that anchor
    assert 'href="units/%E5%9F%BA%E7%A1%80%E6%95%99%E8%82%B2%E7%A7%91.html#r-1.3"' in html
    assert 'id="r-1.3"' in (out / "units" / "基础教育科.html").read_text(encoding="utf-8")
    # no external resources: opens from disk
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    assert "@media print" in html
    assert "覆盖率" in html and "40.0%" in html
    assert "缺失项数趋势" in html and "<svg" in html      # two check runs → a trend chart


def test_text_report(rendered):
    out, _, _ = rendered
    txt = (out / "units" / "基础教育科.txt").read_text(encoding="utf-8")
    assert txt.startswith("基础教育科 · 政务公开检查报告")
    assert "截至：2020-12-31" in txt
    assert txt.index("[✗ 缺失] 要求 1.3") < txt.index("[◷ 逾期公开] 要求 1.3") < txt.index("[! 临近期限] 要求 4.1")
    # plain text is not HTML: crawled text appears as it is, never entity-escaped
    jck = (out / "units" / "计财科.txt").read_text(encoding="utf-8")
    assert HOSTILE in jck and "&lt;" not in jck and "&#34;" not in jck


def test_xlsx(rendered):
    out, _, _ = rendered
    wb = openpyxl.load_workbook(out / "units" / "基础教育科.xlsx")
    assert wb.sheetnames == ["发现", "证据"]
    ws = wb["发现"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:L4"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["要求编号", "工作任务", "具体要求", "状态"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4]) for r in rows] == [("1.3", "gap"), ("1.3", "late"), ("4.1", "at_risk")]
    gap = rows[0]
    assert gap[2] == PLAN["sections"][0]["tasks"][0]["requirements"][2]["text"]
    assert gap[7] == dt.datetime(2020, 9, 30)          # a real date, not text
    assert ws.cell(2, 8).is_date
    assert gap[8] == "'" + FORMULA_MESSAGE               # neutralised formula
    assert ws.cell(2, 9).data_type == "s"
    ev = wb["证据"]
    assert ev.freeze_panes == "A2" and ev.auto_filter.ref.startswith("A1:")
    ev_rows = list(ev.iter_rows(min_row=2, values_only=True))
    assert len(ev_rows) == 1
    assert ev_rows[0][3] == "'@SUM(1+1) 招生计划"
    assert ev_rows[0][4] == dt.datetime(2020, 8, 20)
    assert ev.cell(2, 6).hyperlink is None                # javascript: never becomes a link
    # another unit's workbook holds that unit's findings only
    jck = openpyxl.load_workbook(out / "units" / "计财科.xlsx")["发现"]
    assert [r[0] for r in jck.iter_rows(min_row=2, values_only=True)] == ["6.1", "1.1", "1.2", "4.1"]
    jck_ev = openpyxl.load_workbook(out / "units" / "计财科.xlsx")["证据"]
    assert jck_ev.cell(2, 6).hyperlink.target.startswith("http://127.0.0.1:9/")


def test_single_unit_by_alias(world):
    tmp_path, config, store, _ = world
    summary = render_reports(store, PLAN, config, tmp_path / "one", unit="基教科")
    assert list(summary["units"]) == ["基础教育科"]
    assert summary["index"] is None
    assert sorted(p.name for p in (tmp_path / "one" / "units").iterdir()) == ["基础教育科.html", "基础教育科.txt",
                                                                              "基础教育科.xlsx"]
    with pytest.raises(KeyError):
        render_reports(store, PLAN, config, tmp_path / "one", unit="不存在的科室")


def test_without_plan_shows_ids(world):
    tmp_path, config, store, _ = world
    render_reports(store, None, config, tmp_path / "noplan")
    html = (tmp_path / "noplan" / "units" / "基础教育科.html").read_text(encoding="utf-8")
    assert "要求 1.3（计划中未找到该要求的原文）" in html


def test_no_check_run(tmp_path):
    config, store, _ = make_world(tmp_path, runs=0)
    with pytest.raises(LookupError):
        render_reports(store, PLAN, config, tmp_path / "out")
    store.close()


def test_helpers():
    assert neutralise("=1+2") == "'=1+2"
    assert neutralise("+86 537") == "'+86 537"
    assert neutralise("-5") == "'-5"
    assert neutralise("@A1") == "'@A1"
    assert neutralise("正常文本") == "正常文本"
    assert neutralise(3) == 3
    assert safe_url("https://www.yanzhou.gov.cn/x") == "https://www.yanzhou.gov.cn/x"
    assert safe_url("JavaScript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert plain("2020Q3缺失；《《课后服务办法》政策解读》") == "2020年第三季度缺失；《课后服务办法政策解读》"
    p = PlanIndex(PLAN)
    assert p.get("4.1").task_title == "推进决策公开"
    assert p.get("9.9").in_plan is False


def test_plan_loading(tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    assert load_plan(None, f)["sections"][0]["tasks"][0]["requirements"][0]["id"] == "1.1"
    with pytest.raises(FileNotFoundError):
        load_plan(None, tmp_path / "missing.json")


def test_report_command(world):
    from zwgk.cli import cli

    tmp_path, config, store, _ = world
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["--config", str(config.path), "--db", str(tmp_path / "zwgk.db"), "report",
                              "--plan", str(plan)])
    assert res.exit_code == 0, res.output
    index = (tmp_path / "reports" / "index.html").resolve()
    assert f"仪表盘：{index}" in res.output
    assert index.is_file()
    res = runner.invoke(cli, ["--config", str(config.path), "--db", str(tmp_path / "zwgk.db"), "report",
                              "--out", str(tmp_path / "x"), "--unit", "计财科", "--plan", str(plan)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "x" / "units" / "计财科.xlsx").is_file()
    assert not (tmp_path / "x" / "index.html").exists()
    res = runner.invoke(cli, ["--config", str(config.path), "--db", str(tmp_path / "zwgk.db"), "report",
                              "--unit", "没有这个单位"])
    assert res.exit_code == 2


def test_report_command_without_run(tmp_path):
    from zwgk.cli import cli

    config, store, _ = make_world(tmp_path, runs=0)
    store.close()
    res = CliRunner().invoke(cli, ["--config", str(config.path), "--db", str(tmp_path / "zwgk.db"), "report"])
    assert res.exit_code == 1
    assert "zwgk check" in res.output


def test_model_routes_unknown_units_to_lead(world):
    tmp_path, config, store, _ = world
    rid = store.start_run("check", as_of="2021-01-05")
    store.add_findings(rid, [{"requirement": "1.2", "check": "presence", "units": ["不存在科"], "status": "gap",
                              "due": "2021-01-01", "evidence": [], "message": "x"}])
    store.finish_run(rid)
    m = build_model(store, PLAN, config)
    assert m.run["id"] == rid
    assert m.units["办公室"].findings[0].requirement.id == "1.2"
    assert m.router.unknown == {"不存在科"}


QUARTERS = ("2020Q1", "2020Q2", "2020Q3", "2020Q4")


def _submission_facts(sites: dict[str, dict[str, tuple[int, int]]]) -> dict:
    """``facts`` as the submissions rule writes them: {site: {quarter: (count, target)}} → its shape."""
    return {"year": 2020, "sites": {site: {"quarters": {q: {"count": n, "target": t} for q, (n, t) in qs.items()}}
                                    for site, qs in sites.items()}}


def test_dashboard_freshness_and_submissions(world):
    tmp_path, config, store, _ = world
    store.upsert_column({"site": "bureau", "column_id": "3301", "name": "通知公告", "class": "通知公告",
                         "url": "http://127.0.0.1:9/col/col3301/index.html", "item_count": 12,
                         "last_item_date": "2020-03-01", "state": "normal"})
    store.upsert_column({"site": "bureau", "column_id": "3302", "name": "工作动态", "class": "动态",
                         "url": "http://127.0.0.1:9/col/col3302/index.html", "item_count": 300,
                         "last_item_date": "2020-12-28", "state": "normal"})
    store.upsert_column({"site": "bureau", "column_id": "3303", "name": "规划计划", "class": "规划计划",
                         "url": "javascript:void(0)", "item_count": 0, "state": "blank"})
    store.upsert_column({"site": "bureau", "column_id": "3304", "name": "人事信息" + HOSTILE, "class": "人事",
                         "url": None, "state": "unverifiable", "reason": "HTTP 412"})
    urls = []
    for i, day in enumerate(["2020-01-10", "2020-02-11", "2020-03-12", "2020-05-06"]):
        url = f"http://127.0.0.1:9/art/sd/{i}.html"
        urls.append({"url": url, "title": f"兖州区教体局经验做法{i}", "published": day, "terms": ["兖州区教体局"]})
        store.upsert_document({"url": url, "site": "province", "column_id": "9", "title": f"兖州区教体局经验做法{i}",
                               "published": day, "body": "兖州区教育和体育局"})
    rid = store.start_run("check", as_of="2020-12-31")
    store.add_findings(rid, RUN2 + freshness_findings(store, config) + [
        {"requirement": "3.2", "check": "submissions", "units": ["办公室"], "status": "met", "due": "2020-03-31",
         "evidence": urls[:3], "message": "政务公开看山东 2020Q1 报送3条，目标3条",
         "facts": _submission_facts({"province": {"2020Q1": (3, 3)}})},
        {"requirement": "3.2", "check": "submissions", "units": ["办公室"], "status": "gap", "due": "2020-06-30",
         "evidence": urls[3:], "message": "政务公开看山东 2020Q2 报送1条，目标3条",
         "facts": _submission_facts({"province": {"2020Q2": (1, 3)}})}])
    store.finish_run(rid)
    render_reports(store, PLAN, config, tmp_path / "dash")
    html = (tmp_path / "dash" / "index.html").read_text(encoding="utf-8")
    table = html[html.index('id="column-table"'):]
    table = table[:table.index("</table>")]
    assert re.findall(r'<tr data-status="(\w+)"', table) == ["gap", "gap", "unverifiable", "met"]
    assert "栏目更新不及时（超期122天）" in table and "空白栏目" in table and "无法核实" in table and "HTTP 412" in table
    assert 'href="javascript:' not in table and "<script>alert" not in table
    assert 'data-site="province" data-quarter="2020Q1" data-count="3"' in html
    assert 'data-site="province" data-quarter="2020Q2" data-count="1"' in html
    assert 'data-site="city" data-quarter="2020Q1" data-count="0"' in html
    assert "目标 3" in html
    assert html.count('class="trend-bar"') == 3     # three check runs


def test_dashboard_reads_the_rules_numbers(world):
    """Per-site targets from the submissions rule's facts (never its message); the column table is the freshness
    rule's facts (its class by name — 工作动态 → 动态 —, the plan's limit, its verdict); summarised per source."""
    from reports.columns import column_sources

    tmp_path, config, store, _ = world
    store.upsert_column({"site": "bureau", "column_id": "3302", "name": "工作动态", "class": "other",
                         "url": "http://127.0.0.1:9/col/col3302/index.html", "item_count": 40,
                         "last_item_date": "2020-11-30", "state": "normal"})
    store.upsert_column({"site": "bureau", "column_id": "3310", "name": "财政预决算", "class": "other",
                         "item_count": 3, "last_item_date": "2020-02-14", "state": "normal"})
    store.upsert_column({"site": "district", "column_id": "7", "name": "政务公开看兖州", "class": "other",
                         "item_count": 9, "last_item_date": "2021-03-01", "state": "normal"})
    store.upsert_document({"url": "http://127.0.0.1:9/art/yz/1.html", "site": "district", "column_id": "7",
                           "title": "兖州区教体局经验", "published": "2020-12-20", "body": "x"})
    rid = store.start_run("check", as_of="2020-12-31")
    store.add_findings(rid, RUN2 + freshness_findings(store, config, sites=("bureau", "district")) + [
        {"requirement": "10.2", "check": "上级专栏报送", "units": ["办公室"], "status": "gap", "due": None,
         "evidence": [], "message": "2020年向上级政务公开专栏报送情况：政务公开看山东 2020Q3报送0条，少于目标1条；"
                                    "政务公开看山东 Q1 1/1，Q2 2/1，Q3 0/1，Q4 1/1；政务公开经验做法 Q1 1/1，Q2 1/1，"
                                    "Q3 1/1，Q4 1/1；政务公开看兖州 Q1 3/2，Q2 2/2，Q3 1/2，Q4 2/2",
         "facts": _submission_facts({"province": dict(zip(QUARTERS, [(1, 1), (2, 1), (0, 1), (1, 1)])),
                                     "city": dict(zip(QUARTERS, [(1, 1)] * 4)),
                                     "district": dict(zip(QUARTERS, [(3, 2), (2, 2), (1, 2), (2, 2)]))})}])
    store.finish_run(rid)
    m = build_model(store, PLAN, config)
    sub = m.submissions
    assert sub["quarters"] == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    assert sub["counts"]["province"] == {"2020Q1": 1, "2020Q2": 2, "2020Q3": 0, "2020Q4": 1}
    assert sub["target"] is None                              # targets differ per column
    assert sub["cells"]["district"]["2020Q3"] == {"count": 1, "target": 2, "status": "gap"}
    assert sub["cells"]["district"]["2020Q1"] == {"count": 3, "target": 2, "status": "met"}
    assert sub["cells"]["province"]["2020Q3"]["status"] == "gap"
    cols = {c["name"]: c for c in m.columns}
    assert (cols["工作动态"]["class"], cols["工作动态"]["days"], cols["工作动态"]["limit"]) == ("动态", 31, 14)
    assert cols["工作动态"]["verdict"] == "栏目更新不及时（超期17天）" and cols["工作动态"]["status"] == "gap"
    assert (cols["财政预决算"]["limit"], cols["财政预决算"]["verdict"]) == (None, "未设时限")
    # a date after the as-of date does not count; the newest stored item as of that date does
    assert (cols["政务公开看兖州"]["last_item_date"], cols["政务公开看兖州"]["days"]) == ("2020-12-20", 11)
    sources = column_sources(m.columns, ("bureau", "province", "city", "district"))
    assert [(s["site"], s["total"], s["stale"], s["ok"], s["status"]) for s in sources] == [
        ("bureau", 2, 1, 1, "gap"), ("district", 1, 0, 1, "met")]
    # a plan that wants 动态 columns every 7 days: the dashboard shows the rule's limit, not a default of its own
    rid = store.start_run("check", as_of="2020-12-31")
    store.add_findings(rid, freshness_findings(store, config, params=", limits: {动态: 7}"))
    store.finish_run(rid)
    cols = {c["name"]: c for c in build_model(store, PLAN, config).columns}
    assert (cols["工作动态"]["limit"], cols["工作动态"]["verdict"]) == (7, "栏目更新不及时（超期24天）")
    assert "政务公开看兖州" not in cols            # a source this check does not cover is not judged

    render_reports(store, PLAN, config, tmp_path / "dash", model=m)
    html = (tmp_path / "dash" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="sub-target"') == 12             # a target mark over every bar
    assert 'data-site="district" data-quarter="2020Q3" data-count="1" data-target="2" data-status="gap"' in html
    assert ">1↓</text>" in html and ">0↓</text>" in html
    req = (tmp_path / "dash" / "requirements" / "4.1.html").read_text(encoding="utf-8")
    units = re.findall(r'<tr data-unit="([^"]+)" data-status="(\w+)">', req)
    assert units == [("全局共性事项", "at_risk")]
