"""Crawl health: monitors over stored run statistics, the alarm life cycle, the engine hook (alarm →
unverifiable), the office's notices, the data age, and the replica's redesign markup. Small stores, no crawl."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import site_stats
from crawler.alarms import accept_alarm, data_freshness
from crawler.pipelines import site_stats as pipeline_site_stats
from spiders.health import evaluate_crawl
from crawler.store import Store, now_iso
from test_rules_kinds import add, run

BASE = "http://127.0.0.1:9100"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "z.db")
    yield s
    s.close()


def crawl(store, columns: dict[str, int], *, states: dict[str, str] | None = None, status="ok",
          stats: dict | None = None, site="bureau"):
    """A finished crawl of *site* whose columns listed these many items; then the monitors."""
    rid = store.start_run("crawl", stats={"sites": [site]})
    for cid, n in columns.items():
        store.upsert_column({"site": site, "column_id": cid, "name": {"3301": "工作动态", "3308": "财政预决算"}.get(cid, cid),
                             "url": f"{BASE}/col/col{cid}/index.html", "item_count": n, "class": "other",
                             "state": (states or {}).get(cid, "normal"), "checked_at": now_iso()})
    store.finish_run(rid, status, {site: stats or site_stats()})
    return rid, evaluate_crawl(store, None, rid)


def test_a_column_that_drops_raises_alarms_that_last_until_it_recovers(store):
    for _ in range(2):
        _, r = crawl(store, {"3301": 60, "3308": 6})
        assert r.new == [] and r.fired == []
    rid, r = crawl(store, {"3301": 10, "3308": 6})
    fired = {(f.monitor, f.column_id) for f in r.fired}
    assert fired == {("column_drop", "3301"), ("listed_drop", "")}
    col = next(store.alarm(i) for i in r.new if store.alarm(i)["monitor"] == "column_drop")
    ev = col["evidence"]
    assert (ev["from"], ev["to"], ev["metric"]) == (60, 10, "listed")
    assert f"{BASE}/col/col3301/index.html" in ev["samples"]
    assert col["message"] == "局网站“工作动态”栏目列出条目由60条降至10条（-83%）"
    # the office hears of them once
    new, recovered = store.alarms_to_notify()
    assert {a["id"] for a in new} == set(r.new) and recovered == []
    store.mark_alarms_notified([a["id"] for a in new], [], run_id=99)
    assert store.alarms_to_notify() == ([], [])
    # still broken the next night: the same alarms, one more night, nothing new to tell
    _, r2 = crawl(store, {"3301": 10, "3308": 6})
    assert r2.new == [] and sorted(r2.ongoing) == sorted(r.new)
    assert store.alarm(col["id"])["nights"] == 2
    assert store.alarms_to_notify() == ([], [])
    # the broken nights never become the baseline: a third broken night still compares with 60
    _, r3 = crawl(store, {"3301": 10, "3308": 6})
    assert sorted(r3.ongoing) == sorted(r.new)
    assert store.alarm(col["id"])["evidence"]["from"] == 60
    # recovery: resolved, reported once
    _, r4 = crawl(store, {"3301": 61, "3308": 6})
    assert sorted(r4.resolved) == sorted(r.new) and store.active_alarms() == []
    new, recovered = store.alarms_to_notify()
    assert new == [] and {a["id"] for a in recovered} == set(r.new)
    store.mark_alarms_notified([], [a["id"] for a in recovered], run_id=100)
    assert store.alarms_to_notify() == ([], [])


def test_evaluating_the_same_crawl_twice_counts_the_night_once(store):
    crawl(store, {"3301": 60})
    rid, r = crawl(store, {"3301": 0})
    again = evaluate_crawl(store, None, rid)
    assert again.new == [] and sorted(again.ongoing) == sorted(r.new)
    assert all(store.alarm(i)["nights"] == 1 for i in r.new)
    assert store.db.execute("select count(*) from health_metrics where crawl_run_id = ?", [rid]).fetchone()[0] \
        == r.metrics


def scrapy_stats(**kw) -> dict:
    """One site's Scrapy stats as a crawler leaves them: 100 attempts; **kw adds to or replaces counters."""
    raw = {"downloader/request_count": 100, "downloader/response_count": 100, "downloader/response_bytes": 1,
           "downloader/response_status_count/200": 100, "finish_reason": "finished"}
    raw.update(kw)
    return pipeline_site_stats(raw)


def test_download_problems_come_from_scrapys_counters():
    s = scrapy_stats(**{
        "downloader/exception_count": 9,
        "downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError": 4,
        "downloader/exception_type_count/twisted.internet.error.TCPTimedOutError": 2,
        "downloader/exception_type_count/twisted.internet.error.ConnectionRefusedError": 3,
        "downloader/response_status_count/503": 5, "downloader/response_status_count/404": 7,
        "retry/count": 8, "retry/max_reached": 2, "zwgk/errors": 4,
        "zwgk/samples/timeouts": [f"{BASE}/art/a.html"]})
    assert (s["timeouts"], s["download_exceptions"], s["server_errors"]) == (6, 9, 5)
    assert (s["retries"], s["retries_exhausted"], s["errors"]) == (8, 2, 4)
    assert s["exception_types"]["twisted.internet.error.ConnectionRefusedError"] == 3
    assert s["timeout_samples"] == [f"{BASE}/art/a.html"] and s["failure_samples"] == []


def test_failure_samples_keep_the_first_distinct_urls():
    from scrapy.exceptions import DownloadTimeoutError
    from scrapy.http import Request, Response
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from spiders.middlewares import FailureSamples

    stats = MemoryStatsCollector(get_crawler())
    mw = FailureSamples(stats, limit=2)
    for i in (1, 1, 2, 3):
        mw.process_exception(Request(f"{BASE}/t{i}.html"), DownloadTimeoutError("took longer than 30 s"))
    mw.process_exception(Request(f"{BASE}/refused.html"), ConnectionRefusedError())
    mw.process_response(Request(f"{BASE}/ok.html"), Response(f"{BASE}/ok.html", status=200))
    s = pipeline_site_stats(stats.get_stats())
    assert s["timeout_samples"] == [f"{BASE}/t1.html", f"{BASE}/t2.html"]
    assert s["failure_samples"] == [f"{BASE}/t1.html", f"{BASE}/t2.html"]
    other = FailureSamples(MemoryStatsCollector(get_crawler()))
    other.process_response(Request(f"{BASE}/busy.html"), Response(f"{BASE}/busy.html", status=503))
    other.process_exception(Request(f"{BASE}/refused.html"), ConnectionRefusedError())
    assert pipeline_site_stats(other.stats.get_stats())["failure_samples"] == [f"{BASE}/busy.html",
                                                                               f"{BASE}/refused.html"]
    assert pipeline_site_stats(other.stats.get_stats())["timeout_samples"] == []


def test_unreachable_site_errors_and_timeouts(store):
    timed_out = [f"{BASE}/art/2020/1/{i + 1}/art_3301_{i}.html" for i in range(5)]
    crawl(store, {"3301": 60})
    # 6 of 100 attempts timed out (Scrapy counts them by exception type), 12 requests failed in the end
    _, r = crawl(store, {"3301": 60}, stats=scrapy_stats(**{
        "zwgk/errors": 12, "downloader/exception_count": 7,
        "downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError": 6,
        "downloader/exception_type_count/twisted.internet.error.ConnectionLost": 1,
        "zwgk/samples/timeouts": timed_out, "zwgk/samples/failures": timed_out[:3]}))
    by = {f.monitor: f for f in r.fired}
    assert set(by) == {"errors", "timeouts"}
    assert by["errors"].evidence["to"] == 0.12 and by["errors"].evidence["samples"] == timed_out[:3]
    assert by["timeouts"].evidence["to"] == 6 and by["timeouts"].evidence["requests"] == 100
    assert by["timeouts"].evidence["samples"] == timed_out
    assert by["timeouts"].message == "局网站请求超时6次（共100次请求），此前约0次"
    _, r = crawl(store, {"3301": 60}, stats=site_stats(unreachable=True, responses=0, errors=3))
    assert [f.monitor for f in r.fired] == ["unreachable"] and r.fired[0].severity == "critical"
    # an unreachable night proves nothing about the errors alarm: it stays active
    assert {a["monitor"] for a in store.active_alarms()} == {"errors", "timeouts", "unreachable"}
    _, r = crawl(store, {"3301": 60})
    assert {store.alarm(i)["monitor"] for i in r.resolved} == {"errors", "timeouts", "unreachable"}
    # then 4 timeouts are too few to alarm on their own (TIMEOUT_MIN): the figure is recorded all the same
    rid, r = crawl(store, {"3301": 60}, stats=scrapy_stats(**{
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 4}))
    assert "timeouts" not in {f.monitor for f in r.fired}
    assert store.db.execute("select value from health_metrics where crawl_run_id = ? and metric = 'timeouts'",
                            [rid]).fetchone()[0] == 4


def test_articles_losing_dates_or_titles_and_mass_withdrawal(store):
    for i in range(40):
        add(store, f"第{i}条动态：兖州区教体局开展工作", f"2020-06-{i % 28 + 1:02d}", column="3301",
            url=f"{BASE}/art/2020/6/1/art_3301_{i}.html")
    crawl(store, {"3301": 40})
    # tonight the extractor reads the page chrome: every refetched page is titled with the site's name
    for i in range(8):
        store.upsert_document({"url": f"{BASE}/art/2020/6/1/art_3301_{i}.html", "site": "bureau", "column_id": "3301",
                               "column_name": "工作动态", "title": "济宁市兖州区教育和体育局", "published": None,
                               "body": "正文"})
    for i in range(30, 40):
        store.mark_withdrawn(f"{BASE}/art/2020/6/1/art_3301_{i}.html", "2021-01-02")
    _, r = crawl(store, {"3301": 30}, stats=site_stats(withdrawn=10))
    by = {f.monitor: f for f in r.fired}
    assert {"untitled", "undated", "withdrawn"} <= set(by)
    assert by["untitled"].evidence["from"] == 0 and by["untitled"].evidence["to"] == 8
    assert by["untitled"].evidence["titles"] == ["济宁市兖州区教育和体育局"]
    assert by["withdrawn"].evidence["to"] == 10 and len(by["withdrawn"].evidence["samples"]) == 5
    assert "由0篇增至10篇" in by["withdrawn"].message


def test_accepting_an_alarm_makes_the_new_level_the_baseline(store):
    crawl(store, {"3301": 60})
    _, r = crawl(store, {"3301": 20})
    col = next(i for i in r.new if store.alarm(i)["monitor"] == "column_drop")
    accepted = accept_alarm(store, col, "栏目内容已迁移到新栏目")
    assert accepted["state"] == "accepted" and "已迁移" in accepted["resolution"]
    _, r = crawl(store, {"3301": 20})
    assert "column_drop" not in {f.monitor for f in r.fired}


def test_the_data_age_when_the_last_crawl_failed(store):
    rid, _ = crawl(store, {"3301": 60})
    crawl(store, {"3301": 60}, status="failed", stats=site_stats(unreachable=True, responses=0))
    check = store.start_run("check", as_of="2021-01-02")
    fresh = data_freshness(store, before_run=check)
    assert fresh["stale"] and fresh["sites"]["bureau"]["ok"] is False
    assert fresh["sites"]["bureau"]["last_good"] == store.run(rid)["finished"]
    assert "数据截至" in fresh["note"] and "网站无法访问" in fresh["note"]
    assert data_freshness(store, before_run=rid + 1)["stale"] is False


# --- the engine hook ------------------------------------------------------------------------------------

BUDGET = """\
- name: 部门预算
  kind: presence
  params: {match: {all: [部门预算]}, due: "03-31"}
"""
BUDGET_COLUMN = """\
- name: 部门预算
  kind: presence
  params: {match: {all: [部门预算], column: [财政预决算]}, due: "03-31"}
"""
FRESH = """\
- name: 栏目更新
  kind: freshness
"""


def alarm(store, site="bureau", column="", monitor="column_drop", message="局网站“工作动态”栏目列出条目由60条降至10条（-83%）"):
    return store.db["alarms"].insert({"key": f"{site}|{column}|{monitor}", "site": site, "column_id": column,
                                      "monitor": monitor, "severity": "warning", "state": "active",
                                      "message": message, "evidence": "{}", "first_run": 1, "last_run": 1,
                                      "nights": 1}).last_pk


def test_an_active_alarm_turns_gaps_on_its_source_into_unverifiable(store, tmp_path):
    for cid, name in (("3301", "工作动态"), ("3308", "财政预决算")):
        store.upsert_column({"site": "bureau", "column_id": cid, "name": name, "class": "other", "state": "normal",
                             "url": f"{BASE}/col/col{cid}/index.html"})
    add(store, "关于开展安全检查的通知", "2020-12-01", column="3301", column_name="工作动态")
    [f] = run(store, tmp_path, BUDGET, "2020-12-31")
    assert f.status == "gap"
    a = alarm(store, column="3301")
    [f] = run(store, tmp_path, BUDGET, "2020-12-31")             # any bureau column: it rests on 3301 too
    assert f.status == "unverifiable"
    assert f.message.startswith("抓取告警，本次无法核实：局网站“工作动态”栏目列出条目由60条降至10条")
    assert "抓取正常时本项结论为“缺失”" in f.message
    [f] = run(store, tmp_path, BUDGET_COLUMN, "2020-12-31")      # only 财政预决算: the 3301 alarm is irrelevant
    assert f.status == "gap"
    store.db["alarms"].update(a, {"state": "resolved"})
    alarm(store, column="3308", message="局网站“财政预决算”栏目此前可以读取，本次无法读取")
    [f] = run(store, tmp_path, BUDGET_COLUMN, "2020-12-31")
    assert f.status == "unverifiable" and "财政预决算" in f.message
    # another source's alarm changes nothing here
    store.db.execute("update alarms set state = 'resolved'")
    store.db.conn.commit()
    alarm(store, site="province", monitor="unreachable", message="政务公开看山东无法访问")
    [f] = run(store, tmp_path, BUDGET, "2020-12-31")
    assert f.status == "gap"


def test_met_by_absence_is_unverifiable_under_an_alarm_but_found_documents_stay_met(store, tmp_path):
    store.upsert_column({"site": "bureau", "column_id": "3301", "name": "工作动态", "class": "动态", "state": "normal",
                         "url": f"{BASE}/col/col3301/index.html", "last_item_date": "2020-12-30"})
    add(store, "兖州区教体局2020年部门预算", "2020-03-01", column="3301", column_name="工作动态")
    add(store, "工作动态一则", "2020-12-30", column="3301", column_name="工作动态")
    assert [f.status for f in run(store, tmp_path, FRESH, "2020-12-31")] == ["met"]
    alarm(store, column="", monitor="listed_drop", message="局网站各栏目列出的条目合计由300条降至100条（-67%）")
    [fresh] = run(store, tmp_path, FRESH, "2020-12-31")
    assert fresh.status == "unverifiable" and "抓取正常时本项结论为“已满足”" in fresh.message
    [budget] = run(store, tmp_path, BUDGET, "2020-12-31")
    assert budget.status == "met"                              # a document found is still found


def test_check_run_records_which_alarms_it_applied(store, tmp_path):
    from rules.catalogue import load_catalogue
    from rules.engine import run_check
    from test_rules_kinds import REGISTRY

    path = tmp_path / "plan.yaml"
    path.write_text("year: 2020\nsections:\n  - title: 一、测试\n    tasks:\n      - number: 1\n        title: t\n"
                    "        requirements:\n          - id: '1.1'\n            text: t\n            units: [办公室]\n"
                    "            checks:\n" + "\n".join(" " * 14 + l for l in BUDGET.splitlines()) + "\n",
                    encoding="utf-8")
    plan = load_catalogue(path, registry=REGISTRY)
    add(store, "关于开展安全检查的通知", "2020-12-01", column="3301", column_name="工作动态")
    a = alarm(store)
    rid, findings = run_check(store, plan, dt.date(2020, 12, 31))
    stats = store.run(rid)["stats"]
    assert stats["alarms"] == {"active": [a], "unverifiable": 1, "applied": {str(a): 1}}
    from reports.mailer import office_notices
    notices = office_notices(store, rid)
    assert [n["id"] for n in notices["new"]] == [a] and notices["unverifiable_by_alarm"] == 1


# --- the replica's redesign ---------------------------------------------------------------------------------

def test_redesigned_markup_hides_the_list_and_the_metadata():
    from scrapy.http import HtmlResponse

    from replica import build_world
    from replica import pages as P
    from spiders.adapters import adapter_for
    from spiders.extract import extract

    w = build_world(1, 0.1, 0)
    site = w.sites["bureau"]
    col = site.by_id["3301"]
    old = P.column_page(w, site, col)
    new = P.redesigned_column_page(w, site, col)
    url = f"{BASE}/col/col3301/index.html"
    assert adapter_for(HtmlResponse(url, body=old.encode(), encoding="utf-8"), "jcms").name == "jcms"
    assert adapter_for(HtmlResponse(url, body=new.encode(), encoding="utf-8"), "jcms").name == "generic"
    assert new.count('class="row"') == P.REDESIGN_PERPAGE < len(col.articles)
    assert "<datastore>" not in new and "dataproxy" not in new and "加载更多" in new
    a = col.articles[0]
    before = extract(P.article_page(w, site, a), BASE + a.url)
    after = extract(P.redesigned_article_page(w, site, a), BASE + a.url)
    assert before["title"] == a.title and before["published"] == a.published.isoformat()
    # the redesign drops metas and table, but the headline block and the byline date still read
    assert after["title"] == a.title and after["published"] == a.published.isoformat()
    assert json.loads(P.redesign_api_json(site, col, 2))["list"][0]["url"] == col.articles[10].url


# --- the office's mail ----------------------------------------------------------------------------------------

def test_alarms_reach_the_office_once_even_when_the_summary_already_went_out(tmp_path):
    from test_mail import Inbox, Server
    from test_reports_data import PLAN, make_world

    from reports.mailer import send_reports

    inbox = Inbox()
    with Server(inbox) as server:
        config, store, ids = make_world(tmp_path, port=server.port)
        send_reports(store, config, PLAN)                    # the summary of the latest run goes out
        a = alarm(store)                                     # then an alarm opens (a night whose check failed)
        result = send_reports(store, config, PLAN)           # the same run again: only the alarm is new
        assert result.sent == ["办公室（抓取告警#1）"]
        msg = inbox.by_subject("抓取健康")[2]
        assert str(msg["Subject"]) == "【政务公开】抓取健康：新告警1条"
        assert "“工作动态”栏目列出条目由60条降至10条" in msg.get_body(("plain",)).get_content()
        assert store.alarm(a)["notified_run"] == ids[-1]
        assert send_reports(store, config, PLAN).sent == []  # reported once
        store.db["alarms"].update(a, {"state": "resolved", "resolved": now_iso(), "resolution": "恢复正常"})
        result = send_reports(store, config, PLAN)
        assert len(result.sent) == 1
        recovered = inbox.parsed()[-1][2]
        assert str(recovered["Subject"]) == "【政务公开】抓取健康：已恢复1条"
        assert "已恢复" in recovered.get_body(("plain",)).get_content()
        assert store.alarm(a)["recovery_notified_run"] == ids[-1]
