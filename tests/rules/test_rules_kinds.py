"""Every rule kind on small stores built with Store.upsert_document: met, gap, late, at_risk, pending,
unverifiable, and the decoys (another unit's budget, last year's enrollment plan, another district's item)."""
from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.store import Store
from crawler.units import UnitRegistry
from rules.catalogue import load_catalogue
from rules.engine import Context, evaluate
from rules.kinds.consultation import doc_name, parse_window
from rules.kinds.periodic import period_of_title
from rules.match import bureau_alias_in, doc_year, title_owner
from rules.workdays import add_workdays, workdays_between

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
CONFIG = load_config(FIX / "zwgk.yaml")
REGISTRY = UnitRegistry.from_config(CONFIG)
BUREAU = "兖州区教育和体育局"
_ids = itertools.count(1)
D = dt.date.fromisoformat


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "z.db")
    yield s
    s.close()


def add(store, title, published, *, site="bureau", column="3305", column_name="通知公告", publisher=BUREAU,
        body="", attachments=None, url=None):
    n = next(_ids)
    url = url or f"http://127.0.0.1:9100/art/{published.replace('-', '/')}/art_{column}_{n}.html"
    store.upsert_document({"url": url, "site": site, "column_id": column, "column_name": column_name,
                           "title": title, "published": published, "publisher": publisher, "body": body,
                           "attachments": attachments or []})
    return url


def run(store, tmp_path, checks: str, as_of: str, *, units="[办公室]", year=2020, config=None):
    """Evaluate one requirement whose checks are the YAML *checks* (under *config*, else the fixture's); the
    findings."""
    text = textwrap.dedent(f"""\
        year: {year}
        sections:
          - title: 一、测试
            tasks:
              - number: 1
                title: 测试任务
                requirements:
                  - id: "1.1"
                    text: 测试要求。
                    units: {units}
                    checks:
        """) + textwrap.indent(textwrap.dedent(checks), " " * 22)
    path = tmp_path / f"plan-{next(_ids)}.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_catalogue(path, registry=REGISTRY)
    return evaluate(plan, Context(store, plan, D(as_of), config=config or CONFIG, registry=REGISTRY))


def one(store, tmp_path, checks, as_of, **kw):
    found = run(store, tmp_path, checks, as_of, **kw)
    assert len(found) == 1
    return found[0]


# --- presence -------------------------------------------------------------------------------------

BUDGET = """\
- name: 部门预算
  kind: presence
  units: [计划财务科]
  params:
    what: 本局2020年部门预算
    due: "03-31"
    match: {all: [[部门预算, 预算]], none: [决算, 三公], year: plan, publisher: bureau}
"""


def test_presence_met_with_evidence_and_terms(store, tmp_path):
    url = add(store, "济宁市兖州区教育和体育局2020年部门预算", "2020-02-14", column="3308", column_name="财政预决算")
    f = one(store, tmp_path, BUDGET, "2020-12-31")
    assert (f.status, f.due, f.units) == ("met", "2020-03-31", ["计财科"])
    assert f.evidence == [{"url": url, "title": "济宁市兖州区教育和体育局2020年部门预算", "published": "2020-02-14",
                           "terms": ["部门预算"]}]
    assert "已发布本局2020年部门预算" in f.message


def test_presence_decoys_another_units_budget_and_last_years(store, tmp_path):
    add(store, "兖州区实验小学2020年部门预算", "2020-02-20", publisher="兖州区实验小学")
    add(store, "兖州区卫生健康局2020年部门预算", "2020-02-18", site="district", column="13204",
        column_name="部门预决算", publisher="兖州区卫生健康局")
    add(store, "兖州区教育和体育局2019年部门预算", "2020-01-10")
    add(store, "兖州区教育和体育局2020年“三公”经费预算情况说明", "2020-02-14")
    f = one(store, tmp_path, BUDGET, "2020-12-31")
    assert f.status == "gap" and f.evidence == []
    assert f.message == "未发现本局2020年部门预算，应于2020-03-31前发布"


def test_presence_another_unit_named_in_title_on_bureau_site(store, tmp_path):
    # published by the bureau's site, but the budget is the school's
    add(store, "兖州区实验小学2020年部门预算", "2020-02-20", publisher=BUREAU)
    assert one(store, tmp_path, BUDGET, "2020-12-31").status == "gap"


def test_presence_time_windows(store, tmp_path):
    add(store, "区教体局工作动态", "2020-01-02")          # the site was read
    assert one(store, tmp_path, BUDGET, "2020-01-15").status == "pending"
    f = one(store, tmp_path, BUDGET, "2020-03-10")
    assert f.status == "at_risk" and "21天后" in f.message
    assert one(store, tmp_path, BUDGET, "2020-03-31").status == "gap"
    add(store, "兖州区教育和体育局2020年部门预算", "2020-05-10")
    f = one(store, tmp_path, BUDGET, "2020-12-31")
    assert f.status == "late" and "逾期40天" in f.message
    # as of a date before it was published, the budget did not exist yet
    assert one(store, tmp_path, BUDGET, "2020-04-30").status == "gap"


def test_presence_unverifiable_when_the_source_was_never_read(store, tmp_path):
    add(store, "区教体局：推进政务公开", "2020-05-01", site="district", column="13205", column_name="政务公开看兖州")
    f = one(store, tmp_path, BUDGET, "2020-12-31")
    assert f.status == "unverifiable" and "未抓取到局网站的任何文件" in f.message


def test_presence_attachment_that_does_not_open_does_not_count(store, tmp_path):
    add(store, "兖州区教育和体育局2020年部门预算", "2020-02-14", body="详见附件。",
        attachments=[{"url": "http://127.0.0.1:9100/module/download/downfile.jsp?filename=a.pdf", "name": "预算.pdf",
                      "type": "pdf", "status": "failed", "http_status": 404}])
    f = one(store, tmp_path, BUDGET, "2020-12-31")
    assert f.status == "gap" and "附件无法打开" in f.message


def test_presence_matches_body_and_split_words(store, tmp_path):
    add(store, "2020年财务信息公开", "2020-03-01", body="我局2020年“三公”经费预算12.5万元。")
    checks = """\
    - name: 三公
      kind: presence
      params: {match: {all: [三公经费], fields: [title, body], published: plan}}
    """
    f = one(store, tmp_path, checks, "2020-12-31")
    assert f.status == "met" and f.evidence[0]["terms"] == ["三公经费"]
    # title only: not found
    checks2 = checks.replace("fields: [title, body], ", "")
    assert one(store, tmp_path, checks2, "2020-12-31").status == "gap"


# --- deadline -------------------------------------------------------------------------------------

CATALOG = """\
- name: 政务公开事项标准目录
  kind: deadline
  params:
    due: "09-30"
    match: {all: [标准目录], published: plan}
"""


def test_deadline_7_1_pending_at_risk_gap(store, tmp_path):
    add(store, "区教体局工作动态", "2020-01-02")
    assert one(store, tmp_path, CATALOG, "2020-03-01").status == "pending"
    assert one(store, tmp_path, CATALOG, "2020-09-10").status == "at_risk"
    f = one(store, tmp_path, CATALOG, "2020-12-31")
    assert (f.status, f.due) == ("gap", "2020-09-30")


def test_deadline_late_by_n_days_and_met(store, tmp_path):
    add(store, "济宁市兖州区教育和体育局政务公开事项标准目录", "2020-10-15")
    f = one(store, tmp_path, CATALOG, "2020-12-31")
    assert f.status == "late" and "逾期15天" in f.message
    add(store, "兖州区教育和体育局政务公开事项标准目录（义务教育领域）", "2020-09-20")
    assert one(store, tmp_path, CATALOG, "2020-12-31").status == "met"


# --- periodic -------------------------------------------------------------------------------------

WORK_REPORT = """\
- name: 执行情况
  kind: periodic
  params:
    period: quarter
    match: {all: [[政府工作报告, 重点任务]], any: [执行, 进展], year: plan}
"""


def test_periodic_quarter_missing(store, tmp_path):
    add(store, "2019年政府工作报告涉及教育体育重点任务第四季度执行情况", "2020-01-14")   # last year's Q4
    add(store, "2020年政府工作报告涉及教育体育重点任务第一季度执行情况", "2020-04-14")
    add(store, "2020年政府工作报告涉及教育体育重点任务第三季度执行情况", "2020-10-16")
    f = one(store, tmp_path, WORK_REPORT, "2020-12-31")
    assert f.status == "gap" and f.due == "2020-07-31"
    assert "2/4期已发布" in f.message and "2020Q2缺失（应于2020-07-31前发布）" in f.message
    assert "2020Q4" not in f.message   # not due before 2021-01-31
    # before Q2 is due: Q1 done, the rest not yet due
    f = one(store, tmp_path, WORK_REPORT, "2020-05-15")
    assert f.status == "met" and f.due == "2020-07-31"
    assert one(store, tmp_path, WORK_REPORT, "2020-07-10").status == "at_risk"


def test_period_of_title():
    assert period_of_title("2020年第二季度执行情况", "quarter") == 2
    assert period_of_title("2020年二季度执行情况", "quarter") == 2
    assert period_of_title("2020年4-6月执行情况", "quarter") == 2
    assert period_of_title("2020年上半年执行情况", "half") == 1
    assert period_of_title("2020年前三季度", "quarter") == 3
    assert period_of_title("2020年11月工作情况", "month") == 11
    assert period_of_title("2020年执行情况", "quarter") is None


# --- consultation ---------------------------------------------------------------------------------

CONSULT = """\
- name: 征求意见
  kind: consultation
"""


def _consult(store, name, published, window, body_extra=""):
    return add(store, f"关于《{name}（征求意见稿）》公开征求意见的公告", published, column="3312",
               column_name="征求意见", body=f"现向社会公开征求意见。征求意见时间：{window}。{body_extra}")


def test_parse_window_forms():
    assert parse_window("征求意见时间：2020年6月1日至2020年6月30日。") == (D("2020-06-01"), D("2020-06-30"))
    assert parse_window("意见反馈截止时间为：自2020年6月1日起至7月1日止") == (D("2020-06-01"), D("2020-07-01"))
    assert parse_window("公开征求意见期限：2020-08-03至2020-08-17") == (D("2020-08-03"), D("2020-08-17"))
    assert parse_window("时间为2020年12月20日—2021年1月19日") == (D("2020-12-20"), D("2021-01-19"))
    assert parse_window("没有写时间") is None


def test_consultation_window_and_feedback(store, tmp_path):
    _consult(store, "兖州区普惠性民办幼儿园认定管理办法", "2020-03-02", "2020年3月2日至2020年4月1日")
    add(store, "《兖州区普惠性民办幼儿园认定管理办法》征求意见采纳情况的说明", "2020-04-15", column="3312")
    f = one(store, tmp_path, CONSULT, "2020-12-31")
    assert f.status == "met" and len(f.evidence) == 2
    short = _consult(store, "兖州区中小学校体育工作考核办法", "2020-08-03", "2020年8月3日至2020年8月17日")
    add(store, "《兖州区中小学校体育工作考核办法》征求意见采纳情况的说明", "2020-08-28", column="3312")
    f = one(store, tmp_path, CONSULT, "2020-12-31")
    assert f.status == "gap" and "征求意见期限仅15日（2020-08-03至2020-08-17），少于30日" in f.message
    assert {d["url"]: d["window_days"] for d in f.facts["drafts"]}[short] == 15
    assert short in [e["url"] for e in f.evidence]


def test_consultation_no_feedback_due_after_window(store, tmp_path):
    _consult(store, "兖州区“十四五”教育事业发展规划", "2020-09-07", "2020年9月7日至2020年10月12日")
    f = one(store, tmp_path, CONSULT, "2020-09-30")
    assert f.status == "pending" and f.due == "2020-11-11"
    assert one(store, tmp_path, CONSULT, "2020-10-20").status == "at_risk"
    f = one(store, tmp_path, CONSULT, "2020-12-31")
    assert f.status == "gap" and "未发现意见采纳情况" in f.message
    # feedback on a different document does not count
    add(store, "《兖州区中小学校布局专项规划（2020—2035年）》征求意见采纳情况的说明", "2020-11-01")
    assert one(store, tmp_path, CONSULT, "2020-12-31").status == "gap"


def test_consultation_normative_working_days_and_stated_reason(store, tmp_path):
    # 2020-09-29 … 2020-10-12 spans the National Day holiday (10-01…10-08, with Saturday 10-10 worked):
    # 10 weekdays but only 5 working days
    assert workdays_between(D("2020-09-29"), D("2020-10-12")) == 5
    _consult(store, "兖州区中小学生校外活动管理规定", "2020-09-29", "2020年9月29日至2020年10月12日",
             "本文件为规范性文件。")
    add(store, "《兖州区中小学生校外活动管理规定》征求意见采纳情况的说明", "2020-10-20")
    f = one(store, tmp_path, CONSULT, "2020-12-31")
    assert f.status == "gap" and "征求意见期限仅5个工作日（2020-09-29至2020-10-12），少于7个工作日" in f.message
    store.db.execute("delete from documents")
    # 14 calendar days, 7 working days: enough for a 规范性文件 (not for a major decision)
    _consult(store, "兖州区中小学生校外活动管理规定", "2020-09-29", "2020年9月29日至2020年10月14日",
             "本文件为规范性文件。")
    add(store, "《兖州区中小学生校外活动管理规定》征求意见采纳情况的说明", "2020-10-20")
    assert one(store, tmp_path, CONSULT, "2020-12-31").status == "met"
    _consult(store, "兖州区学校疫情防控应急预案", "2020-02-03", "2020年2月3日至2020年2月12日",
             "因疫情防控需要，缩短征求意见期限。")
    add(store, "《兖州区学校疫情防控应急预案》征求意见采纳情况的说明", "2020-02-20")
    f = one(store, tmp_path, CONSULT, "2020-12-31")
    assert f.status == "met" and "已说明缩短理由" in f.message


def test_consultation_none_in_the_year_is_met(store, tmp_path):
    _consult(store, "旧办法", "2019-04-10", "2019年4月10日至2019年5月10日")
    f = one(store, tmp_path, CONSULT, "2020-12-31")
    assert f.status == "met" and "未发现" in f.message


def test_doc_name():
    assert doc_name("关于《兖州区XX办法（征求意见稿）》公开征求意见的公告") == "兖州区XX办法"
    assert doc_name("《兖州区XX办法》征求意见采纳情况的说明") == "兖州区XX办法"
    assert doc_name("图解：兖州区中小学校体育工作考核办法") == "兖州区中小学校体育工作考核办法"
    assert doc_name("关于进一步加强中小学生作业管理的实施意见") == "进一步加强中小学生作业管理的实施意见"


# --- interpretation -------------------------------------------------------------------------------

INTERP = """\
- name: 政策解读
  kind: interpretation
"""


def _policy(store, name, published):
    return add(store, f"关于印发《{name}》的通知", published, column="3306", column_name="政策文件")


def _interp(store, title, published):
    return add(store, title, published, column="3307", column_name="政策解读")


def test_interpretation_within_three_working_days_over_a_holiday(store, tmp_path):
    # published Tuesday 2020-09-29: 3 working days end on Saturday 2020-10-10 (an adjusted working day)
    assert add_workdays(D("2020-09-29"), 3) == D("2020-10-10")
    _policy(store, "兖州区中小学校体育工作考核办法", "2020-09-29")
    _interp(store, "图解：兖州区中小学校体育工作考核办法", "2020-10-09")
    f = one(store, tmp_path, INTERP, "2020-12-31", units="[机关各相关科室]")
    assert f.status == "met" and f.units == ["机关各相关科室"] and len(f.evidence) == 2


def test_interpretation_late_and_missing(store, tmp_path):
    _policy(store, "兖州区义务教育学校教师“县管校聘”管理改革实施方案", "2020-08-18")
    _interp(store, "《兖州区义务教育学校教师“县管校聘”管理改革实施方案》政策解读", "2020-08-26")
    f = one(store, tmp_path, INTERP, "2020-12-31")
    assert f.status == "late" and "应于2020-08-21前" in f.message
    _policy(store, "兖州区普惠性民办幼儿园认定管理办法", "2020-05-19")
    f = one(store, tmp_path, INTERP, "2020-12-31")
    assert f.status == "gap" and "未发现政策解读（应于2020-05-22前发布）" in f.message
    # where the missing 解读 goes: the column the bureau's 解读 are published in (the action line's "where")
    [missing] = [a for a in f.facts["at_fault"] if a["status"] == "gap"]
    assert (missing["owed"], missing["where"], missing["due"]) == ("政策解读", "政策解读", "2020-05-22")
    f = one(store, tmp_path, INTERP, "2020-05-20")
    assert f.status == "at_risk"   # 2020-08-18 not yet published, 05-19 due in two days


def test_interpretation_without_any_解读_yet_goes_beside_its_policy(store, tmp_path):
    _policy(store, "兖州区普惠性民办幼儿园认定管理办法", "2020-05-19")
    f = one(store, tmp_path, INTERP, "2020-12-31")
    assert [(a["owed"], a["where"]) for a in f.facts["at_fault"]] == [("政策解读", "政策文件")]


def test_interpretation_last_years_policy_not_checked(store, tmp_path):
    _policy(store, "兖州区中小学教师减负清单", "2019-11-26")
    f = one(store, tmp_path, INTERP, "2020-12-31")
    assert f.status == "met" and "未发现需要解读的政策文件" in f.message


# --- freshness ------------------------------------------------------------------------------------

FRESH = """\
- name: 栏目更新
  kind: freshness
"""


def _col(store, cid, name, cls, state="normal"):
    store.upsert_column({"site": "bureau", "column_id": cid, "name": name, "class": cls, "state": state,
                         "url": f"http://127.0.0.1:9100/col/col{cid}/index.html"})


def test_freshness_stale_blank_and_unverifiable(store, tmp_path):
    _col(store, "3301", "工作动态", "动态")
    _col(store, "3305", "通知公告", "通知公告")
    _col(store, "3327", "体育工作", "动态")
    _col(store, "3339", "统计信息", "other", state="blank")
    _col(store, "3350", "专题专栏", "通知公告", state="unverifiable")
    add(store, "区教体局召开会议", "2020-12-25", column="3301", column_name="工作动态")
    add(store, "关于放假的通知", "2020-08-01", column="3305", column_name="通知公告")   # 152 days: fine
    add(store, "全区中小学生运动会开幕", "2020-09-10", column="3327", column_name="体育工作")
    f = one(store, tmp_path, FRESH, "2020-12-31")
    assert f.status == "gap"
    assert "1个栏目未按时更新：体育工作（动态类，最近更新2020-09-10，已112天，限14天）" in f.message
    assert "1个空白栏目：统计信息" in f.message
    assert "专题专栏" in f.message and "无法读取" in f.message      # reported as unread, never blank
    assert [(c["name"], c["class"], c["newest"], c["age_days"], c["limit_days"]) for c in f.facts["stale_columns"]] \
        == [("体育工作", "动态", "2020-09-10", 112, 14)]
    assert [c["name"] for c in f.facts["blank_columns"]] == ["统计信息"]
    assert [c["name"] for c in f.facts["unreadable_columns"]] == ["专题专栏"] and f.facts["checked"] == 5
    assert {e["url"] for e in f.evidence} == {"http://127.0.0.1:9100/col/col3327/index.html",
                                             "http://127.0.0.1:9100/col/col3339/index.html"}


def test_freshness_met_and_tolerance(store, tmp_path):
    _col(store, "3301", "工作动态", "动态")
    _col(store, "3313", "人事信息", "人事")
    add(store, "区教体局召开会议", "2020-12-25", column="3301", column_name="工作动态")
    add(store, "2020年教师招聘公告", "2020-03-01", column="3313", column_name="人事信息")   # 305 days < 365
    assert one(store, tmp_path, FRESH, "2020-12-31").status == "met"
    add(store, "区教体局召开会议", "2020-11-01", column="3302", column_name="教育要闻")   # class from the name
    assert one(store, tmp_path, FRESH, "2020-12-31").status == "gap"
    tolerant = FRESH + "  params: {max_stale: 1}\n"
    assert one(store, tmp_path, tolerant, "2020-12-31").status == "met"


def test_freshness_work_columns_by_name_topics_without_limit_and_the_operators_classes(store, tmp_path):
    """学前教育/校园安全 are work columns (动态, two weeks) by name, even when the crawl stored ``other`` or the
    page called them 专题专栏; a 专题 column has no limit; the config's ``column_classes`` wins and can exclude."""
    _col(store, "3324", "学前教育", "other")
    _col(store, "3328", "校园安全", "专题")          # stored from ColumnType 专题专栏: the name is stronger
    _col(store, "3329", "疫情防控专题", "other")
    _col(store, "3342", "语言文字", "other")
    _col(store, "3315", "政府信息公开年报", "other")
    add(store, "区教体局开展学前教育宣传月活动", "2020-12-20", column="3324", column_name="学前教育")   # 11 days
    add(store, "全区开展校园安全专项整治", "2020-11-27", column="3328", column_name="校园安全")        # 34 days
    add(store, "区教体局部署冬季疫情防控", "2020-06-01", column="3329", column_name="疫情防控专题")
    add(store, "区教体局推广普通话", "2020-10-01", column="3342", column_name="语言文字")             # 91 days
    add(store, "2019年政府信息公开工作年度报告", "2020-01-20", column="3315", column_name="政府信息公开年报")
    f = one(store, tmp_path, FRESH, "2020-12-31")
    assert f.status == "gap"
    assert f.message == ("局网站：2个栏目未按时更新：校园安全（动态类，最近更新2020-11-27，已34天，限14天）；"
                         "语言文字（动态类，最近更新2020-10-01，已91天，限14天）")
    states = {c["name"]: (c["class"], c["state"], c["limit_days"]) for c in f.facts["columns"]}
    assert states == {"学前教育": ("动态", "ok", 14), "校园安全": ("动态", "stale", 14),
                      "疫情防控专题": ("专题", "no_limit", None), "语言文字": ("动态", "stale", 14),
                      "政府信息公开年报": ("other", "no_limit", None)}
    # the operator: 语言文字 is a topic here, and 校园安全 (by its id) is not checked at all
    cfg_path = tmp_path / "zwgk.yaml"
    cfg_path.write_text((FIX / "zwgk.yaml").read_text(encoding="utf-8")
                        + "column_classes:\n  语言文字: 专题\n  \"bureau:3328\": exclude\n", encoding="utf-8")
    f = one(store, tmp_path, FRESH, "2020-12-31", config=load_config(cfg_path))
    assert f.status == "met" and f.message == "局网站：检查4个栏目，更新及时"
    states = {c["name"]: (c["class"], c["state"]) for c in f.facts["columns"]}
    assert states["语言文字"] == ("专题", "no_limit") and states["校园安全"] == ("动态", "excluded")


def test_freshness_nothing_readable_is_unverifiable(store, tmp_path):
    _col(store, "3350", "专题专栏", "通知公告", state="unverifiable")
    assert one(store, tmp_path, FRESH, "2020-12-31").status == "unverifiable"


# --- links ----------------------------------------------------------------------------------------

LINKS = """\
- name: 失效链接
  kind: links
"""


def test_links_threshold(store, tmp_path):
    page = add(store, "区教体局召开会议", "2020-05-01", column="3301", column_name="工作动态")
    assert one(store, tmp_path, LINKS, "2020-12-31").status == "unverifiable"
    store.record_link(page, "http://127.0.0.1:9100/art/2020/4/1/art_3301_9.html", 200)
    assert one(store, tmp_path, LINKS, "2020-12-31").status == "met"
    store.record_link(page, "http://127.0.0.1:9100/col/col3399/index.html", 404)
    f = one(store, tmp_path, LINKS, "2020-12-31")
    assert f.status == "gap" and "col3399" in f.message and f.evidence[0]["url"] == page
    assert one(store, tmp_path, LINKS + "  params: {max_broken: 1}\n", "2020-12-31").status == "met"
    # as of a date before the page existed, its links are not counted
    assert one(store, tmp_path, LINKS, "2020-03-01").status == "unverifiable"


# --- submissions ----------------------------------------------------------------------------------

SUBMIT = """\
- name: 上级专栏报送
  kind: submissions
  params: {sites: [province]}
"""


def _upper(store, title, published, publisher):
    return add(store, title, published, site="province", column="102194", column_name="政务公开看山东",
               publisher=publisher)


def test_bureau_alias_matching():
    aliases = CONFIG.bureau_aliases
    assert bureau_alias_in("【济宁兖州】区教体局强化招生入学信息公开", aliases) == "区教体局"
    assert bureau_alias_in("济宁市兖州区教育和体育局“四个强化”", aliases) == "济宁市兖州区教育和体育局"
    assert bureau_alias_in("任城区教体局强化招生入学信息公开", aliases) is None
    assert bureau_alias_in("邹城市教体局强化招生入学信息公开", aliases) is None
    assert bureau_alias_in("济宁市兖州区卫生健康局多措并举", aliases) is None


def test_submissions_per_quarter_decoys_do_not_count(store, tmp_path):
    _upper(store, "兖州区教体局做好复学疫情防控信息公开", "2020-02-25", "济宁市人民政府办公室")
    _upper(store, "济宁市兖州区教育和体育局“四个强化”推动教育政务公开", "2020-05-27", "济宁市兖州区教育和体育局")
    _upper(store, "任城区教体局：推进教育领域政务公开", "2020-08-12", "任城区教育和体育局")       # another district
    _upper(store, "济宁市兖州区卫生健康局做好疫情防控信息公开", "2020-09-03", "兖州区卫生健康局")  # another department
    _upper(store, "区教体局扎实推进基层政务公开标准化规范化", "2020-11-18", "区教体局")
    f = one(store, tmp_path, SUBMIT, "2020-12-31")
    assert f.status == "gap"
    assert "政务公开看山东 2020Q3报送0条，少于目标1条" in f.message
    assert "Q1 1/1，Q2 1/1，Q3 0/1，Q4 1/1" in f.message
    assert f.facts == {"year": 2020, "sites": {"province": {"quarters": {
        "2020Q1": {"count": 1, "target": 1}, "2020Q2": {"count": 1, "target": 1},
        "2020Q3": {"count": 0, "target": 1}, "2020Q4": {"count": 1, "target": 1}}}}}
    assert len(f.evidence) == 3 and not any("任城" in e["title"] or "卫生" in e["title"] for e in f.evidence)
    assert one(store, tmp_path, SUBMIT, "2020-09-10").status == "at_risk"
    assert one(store, tmp_path, SUBMIT, "2020-06-30").status == "met"
    f = one(store, tmp_path, SUBMIT.replace("{sites: [province]}", "{sites: [province], targets: {province: 2}}"),
            "2020-12-31")
    assert f.status == "gap" and f.message.count("少于目标2条") == 4


def test_submissions_unverifiable_site(store, tmp_path):
    add(store, "区教体局召开会议", "2020-05-01")
    f = one(store, tmp_path, SUBMIT, "2020-12-31")
    assert f.status == "unverifiable" and "未抓取到政务公开看山东" in f.message


# --- annual report --------------------------------------------------------------------------------

ANNUAL = """\
- name: 年度报告
  kind: annual_report
"""
SIX = ("一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
       "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n六、其他需要报告的事项\n")


def test_annual_report(store, tmp_path):
    add(store, "区教体局召开会议", "2020-01-02")
    add(store, "济宁市兖州区教育和体育局2018年政府信息公开工作年度报告", "2019-01-28", body=SIX)   # last year's
    assert one(store, tmp_path, ANNUAL, "2020-01-10").status == "at_risk"
    assert one(store, tmp_path, ANNUAL, "2020-03-01").status == "gap"
    add(store, "济宁市兖州区教育和体育局2019年政府信息公开工作年度报告", "2020-01-20", body=SIX.replace("五、存在的主要问题及改进情况\n", ""))
    f = one(store, tmp_path, ANNUAL, "2020-03-01")
    assert f.status == "gap" and f.message.endswith("报告缺少以下部分：存在的主要问题及改进情况")
    add(store, "济宁市兖州区教育和体育局2019年政府信息公开工作年度报告（更正）", "2020-02-05", body=SIX)
    f = one(store, tmp_path, ANNUAL, "2020-03-01")
    assert f.status == "met" and f.due == "2020-01-31"   # the on-time one decides; the parts are in the later one


def test_annual_report_late(store, tmp_path):
    add(store, "兖州区教育和体育局2019年政府信息公开工作年度报告", "2020-02-10", body=SIX)
    f = one(store, tmp_path, ANNUAL, "2020-12-31")
    assert f.status == "late" and "应于2020-01-31前" in f.message


# --- enrollment set -------------------------------------------------------------------------------

ENROLL = """\
- name: 招生入学
  kind: enrollment_set
  units: [基教科]
"""


def _enroll_2020(store, skip=()):
    titles = {"policy": ("2020年兖州区城区义务教育学校招生入学工作实施方案", "2020-06-05"),
              "zone": ("2020年兖州区城区小学、初中学区划分公告", "2020-06-12"),
              "plan": ("2020年兖州区城区义务教育学校招生计划", "2020-06-19"),
              "result": ("2020年兖州区城区小学一年级新生录取结果公告", "2020-08-14")}
    for k, (t, d) in titles.items():
        if k not in skip:
            add(store, t, d, column="3310", column_name="招生入学")


def test_enrollment_set_complete(store, tmp_path):
    _enroll_2020(store)
    f = one(store, tmp_path, ENROLL, "2020-12-31")
    assert f.status == "met" and f.units == ["基础教育科"] and len(f.evidence) == 4


def test_enrollment_set_last_years_plan_is_a_decoy(store, tmp_path):
    _enroll_2020(store, skip=("plan",))
    add(store, "2019年兖州区城区义务教育学校招生计划", "2019-06-14", column="3310")
    add(store, "2020年兖州区实验小学招生计划", "2020-06-20", column="3310", publisher="兖州区实验小学")
    add(store, "兖州区2020年义务教育招生入学政策新闻发布会", "2020-06-04", column="3321")
    f = one(store, tmp_path, ENROLL, "2020-12-31")
    assert f.status == "gap" and f.due == "2020-09-30"
    assert "招生计划：未发现（应于2020-09-30前发布）" in f.message
    assert all("2019年" not in e["title"] for e in f.evidence)


def test_enrollment_set_time_windows(store, tmp_path):
    add(store, "区教体局召开会议", "2020-01-02")
    assert one(store, tmp_path, ENROLL, "2020-03-01").status == "pending"
    _enroll_2020(store, skip=("result",))
    assert one(store, tmp_path, ENROLL, "2020-08-01").status == "met"      # results not yet due
    assert one(store, tmp_path, ENROLL, "2020-09-15").status == "at_risk"
    assert one(store, tmp_path, ENROLL, "2020-10-01").status == "gap"


# --- manual ---------------------------------------------------------------------------------------

MANUAL = """\
- name: 依申请公开办理
  kind: manual
  params: {reason: 依申请公开办理属内部程序}
"""


def test_manual_waits_for_an_attestation_of_the_plan_year(store, tmp_path):
    f = one(store, tmp_path, MANUAL, "2020-12-31")
    assert f.status == "manual" and "依申请公开办理属内部程序" in f.message
    store.db["attestations"].insert({"requirement": "1.1", "unit": "办公室", "evidence": None, "note": "去年的",
                                     "attested_at": "2019-12-20T08:00:00", "plan_year": 2019})
    assert one(store, tmp_path, MANUAL, "2020-12-31").status == "manual"
    store.db["attestations"].insert({"requirement": "1.1", "unit": "办公室", "evidence": "http://127.0.0.1/ledger",
                                     "note": "已建立登记台账", "attested_at": "2020-11-20T08:00:00", "plan_year": 2020})
    f = one(store, tmp_path, MANUAL, "2020-12-31")
    assert f.status == "met" and "已建立登记台账" in f.message and f.evidence[0]["url"] == "http://127.0.0.1/ledger"


# --- helpers --------------------------------------------------------------------------------------

def test_doc_year_and_title_owner():
    assert doc_year({"title": "2019年兖州区城区义务教育学校招生计划", "published": "2020-06-01"}) == 2019
    assert doc_year({"title": "兖州区教育和体育局权责清单", "published": "2020-06-01"}) == 2020
    assert title_owner("兖州区实验小学2020年部门预算") == "兖州区实验小学"
    assert title_owner("关于公开2020年部门预算的说明") == ""
    assert title_owner("济宁市兖州区教育和体育局2020年部门预算") == "济宁市兖州区教育和体育局"
