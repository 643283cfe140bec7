"""What the operator reads about crawl health: alarm sentences that never contradict themselves and use the
configured site name; `status`/`health` exit 1 while a critical alarm is open (`--exit-zero` keeps 0)."""
from __future__ import annotations

from click.testing import CliRunner

from conftest import site_stats
from crawler.config import load_config
from crawler.store import Store
from spiders.health import evaluate_crawl
from zwgk.cli import cli

CONFIG = """\
contact: admin@example.org
sites:
  bureau: {name: 某区教育和体育局（测试）, base_url: "http://127.0.0.1:9"}
units:
  - {name: 办公室, kind: office}
lead_unit: 办公室
"""


def _stats(**kw) -> dict:
    return site_stats(**{"requests": 3, "responses": 3, "unreachable": True, **kw})


def _night(tmp_path, **kw):
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    config = load_config(tmp_path / "zwgk.yaml")
    store = Store(tmp_path / "zwgk.db")
    rid = store.start_run("crawl", stats={"sites": ["bureau"]})
    store.finish_run(rid, "ok", {"bureau": _stats(**kw)})
    result = evaluate_crawl(store, config, rid)
    return store, result


def test_unreachable_with_answers_says_what_the_answers_were(tmp_path):
    store, result = _night(tmp_path, errors=3)
    (f,) = [f for f in result.fired if f.monitor == "unreachable"]
    assert f.message == ("某区教育和体育局（测试）无法访问：请求3次，得到3次应答，但没有一次是可用的页面（错误3次）")
    assert "finished" not in f.message
    assert "得到应答3次" not in f.message
    store.close()


def test_a_crawl_ended_early_says_why_in_words(tmp_path):
    store, result = _night(tmp_path, responses=0, finish_reason="shutdown")
    (f,) = [f for f in result.fired if f.monitor == "unreachable"]
    assert f.message == "某区教育和体育局（测试）无法访问：请求3次，均无应答（抓取被中止）"
    store.close()


def test_unreachable_without_answers(tmp_path):
    store, result = _night(tmp_path, responses=0)
    (f,) = [f for f in result.fired if f.monitor == "unreachable"]
    assert f.message.startswith("某区教育和体育局（测试）无法访问：请求3次，均无应答")
    store.close()


def test_status_and_health_exit_1_while_a_critical_alarm_is_open(tmp_path):
    store, _ = _night(tmp_path, responses=0)
    store.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "zwgk.db")]
    res = runner.invoke(cli, base + ["status"])
    assert res.exit_code == 1, res.output
    assert res.output.startswith(f"数据库：{(tmp_path / 'zwgk.db').resolve()}\n")
    assert "某区教育和体育局（测试）无法访问" in res.output
    assert runner.invoke(cli, base + ["status", "--exit-zero"]).exit_code == 0
    assert runner.invoke(cli, base + ["health"]).exit_code == 1
    assert runner.invoke(cli, base + ["health", "--exit-zero"]).exit_code == 0


def test_alarm_lines_use_the_configured_site_name_once_and_never_the_generic_label(tmp_path):
    """What `status`, `health` and the office's mail show: the configured name starts the sentence, no 局网站."""
    from crawler.alarms import describe
    from reports.mailer import office_notices

    store, _ = _night(tmp_path, responses=0)
    (a,) = store.active_alarms()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "zwgk.db")]
    status = runner.invoke(cli, base + ["status"]).output
    line = next(l for l in status.splitlines() if l.startswith(f"  #{a['id']} "))
    assert line == f"  #{a['id']} 某区教育和体育局（测试）无法访问：请求3次，均无应答"
    health = runner.invoke(cli, base + ["health"]).output
    assert "无法访问" in health and "局网站" not in health and "局网站" not in status
    assert health.count("某区教育和体育局（测试）") == 1
    notices = office_notices(store, None, {"bureau": "某区教育和体育局（测试）"})
    assert [n["text"] for n in notices["new"]] == [line.split(" ", 3)[-1]]
    # an alarm stored before monitors named their site in the evidence: the configured name, when known
    old = dict(a, message="本次抓取未完成，没有统计数据", evidence={})
    assert describe(old, {"bureau": "某区教育和体育局（测试）"}) == "某区教育和体育局（测试）：本次抓取未完成，没有统计数据"
    assert describe(old) == "局网站：本次抓取未完成，没有统计数据"       # nothing else known: the generic label
    assert describe(dict(a, nights=3, first_run=7)).endswith("（自抓取 #7 起，持续3晚）")
    store.close()
