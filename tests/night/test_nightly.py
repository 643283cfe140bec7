"""`zwgk nightly` night after night against the replica, through child processes, with a real SMTP server.

One scenario (module fixture), six nights on one database:

  night 0  normal            (a second `zwgk nightly` started meanwhile finds the lock: exit 3, nothing touched)
  night 1  next-night mode   (5 new, 1 withdrawn)
  night 2  REDESIGN          the bureau's markup changes overnight: alarms, no unit gets a new gap
  night 3  REDESIGN again    the same alarms are not re-sent
  night 4  normal again      recovery reported once; the real gaps are back
  night 5  replica stopped   crawl fails (exit 1), check/report/mail still run on yesterday's data (数据截至 …)
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import time
from collections import defaultdict
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller

from conftest import ZWGK_CMD
from zwgk.demo import demo_config, free_port
from replica import ReplicaServer

pytestmark = pytest.mark.slow

SCALE = 0.1
OFFICE = "bgs@example.org"      # 办公室 in config/production.yaml (the demo configuration uses its units)


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}


def _zwgk(cfg: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(ZWGK_CMD + ["--config", str(cfg), *args], capture_output=True, text=True,
                          timeout=timeout, env=_env())


def _body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


class Night:
    def __init__(self, n, proc, mails, date):
        self.n, self.proc, self.mails, self.date = n, proc, mails, date

    @property
    def summary_mail(self):
        found = [m for r, m in self.mails if "汇总" in str(m["Subject"])]
        assert len(found) == 1, [str(m["Subject"]) for _, m in self.mails]
        return found[0]

    def office_mails(self):
        return [m for r, m in self.mails if OFFICE in r and any(w in str(m["Subject"]) for w in ("汇总", "告警", "抓取健康"))]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    wd = tmp_path_factory.mktemp("nightly")
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    nights: dict[int, Night] = {}
    out: dict = {"wd": wd, "nights": nights}
    try:
        def night(n, cfg, date, *, redesign=False, replica=None):
            if replica is not None:
                replica.set_night(n, redesign=redesign)
            seen = len(inbox.messages)
            proc = _zwgk(cfg, "nightly", "--as-of", date)
            nights[n] = Night(n, proc, inbox.messages[seen:], date)
            return proc

        with ReplicaServer(seed=1, scale=SCALE, night=0) as rep:
            cfg = wd / "zwgk.yaml"
            cfg.write_text(yaml.safe_dump(demo_config(rep.urls, wd, port), allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
            out["cfg"] = cfg
            out["manifest0"] = rep.manifest
            # night 0, and a second run while the first holds the lock
            first = subprocess.Popen(ZWGK_CMD + ["--config", str(cfg), "nightly", "--as-of", rep.manifest["date"]],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
            info = wd / "nightly.lock.json"
            deadline = time.monotonic() + 60
            while not info.exists() and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert info.exists(), "the first run never took the lock"
            logs_before = sorted(p.name for p in (wd / "logs").glob("*"))
            out["second"] = _zwgk(cfg, "nightly", "--as-of", rep.manifest["date"])
            out["second_logs"] = (logs_before, sorted(p.name for p in (wd / "logs").glob("*")))
            stdout, stderr = first.communicate(timeout=300)
            nights[0] = Night(0, subprocess.CompletedProcess(first.args, first.returncode, stdout, stderr),
                              list(inbox.messages), rep.manifest["date"])
            night(1, cfg, "2021-01-01", replica=rep)
            out["redesign_manifest"] = rep.set_night(2, redesign=True)
            night(2, cfg, "2021-01-02", redesign=True, replica=rep)
            out["without_alarms"] = evaluate_without_alarms(cfg, "2021-01-02")
            night(3, cfg, "2021-01-03", redesign=True, replica=rep)
            night(4, cfg, "2021-01-04", replica=rep)
        night(5, cfg, "2021-01-05")                     # the replica is gone: every site unreachable
        out["status"] = _zwgk(cfg, "status")
        out["status_json"] = _zwgk(cfg, "status", "--json")
    finally:
        smtp.stop()
    out["db"] = wd / "zwgk.db"
    return out


def evaluate_without_alarms(cfg: Path, as_of: str) -> list[dict]:
    """What tonight's check would have said without the alarm and failed-page hooks (in-process, nothing stored)."""
    import datetime as dt

    from crawler.config import load_config
    from crawler.store import Store
    from crawler.units import UnitRegistry
    from rules.catalogue import default_plan_path, load_catalogue
    from rules.engine import Context, evaluate

    config = load_config(cfg)
    registry = UnitRegistry.from_config(config)
    plan = load_catalogue(default_plan_path(2021), registry=registry, lead=config.lead_unit)
    with Store(config.data_dir / "zwgk.db") as store:
        # neither alarms nor failed pages (rules/failures.py): the verdicts a blind check would give
        ctx = Context(store, plan, dt.date.fromisoformat(as_of), config=config, registry=registry, alarms=False,
                      failures=False)
        return [f.to_dict() for f in evaluate(plan, ctx)]


# --- helpers over the stored summaries ----------------------------------------------------------------

def nightly_runs(db: Path) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("select * from runs where kind = 'nightly' order by id")]
    for r in rows:
        r["stats"] = json.loads(r["stats"] or "{}")
    return rows


def findings_of(db: Path, run_id: int) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = []
    for r in con.execute("select * from findings where run_id = ?", [run_id]):
        r = dict(r)
        r["units"] = json.loads(r["units"])
        out.append(r)
    return out


def gaps_by_unit(findings: list[dict], cfg: Path) -> dict[str, set]:
    from crawler.config import load_config
    from crawler.units import UnitRegistry

    registry = UnitRegistry.from_config(load_config(cfg))
    out: dict[str, set] = defaultdict(set)
    for f in findings:
        if f["status"] == "gap":
            key = (f["requirement"], f.get("check_name") or f.get("check"))
            for unit in registry.route(f["units"]):
                out[unit].add(key)
    return out


# --- the tests -----------------------------------------------------------------------------------------

def test_a_second_run_while_the_lock_is_held_exits_3_and_touches_nothing(scenario):
    second = scenario["second"]
    assert second.returncode == 3, second.stderr
    assert "another run holds the lock" in second.stderr and "nightly.lock" in second.stderr
    before, after = scenario["second_logs"]
    runs = nightly_runs(scenario["db"])
    # every log file there belongs to the first run (its crawl log may appear meanwhile): none from the second
    first = runs[0]["id"]
    assert after and all(re.fullmatch(rf"nightly-\d{{8}}-\d{{6}}-{first}(-crawl)?\.log", n) for n in after), after
    assert len(runs) == 6                                  # one per night: the locked-out run left no row
    assert scenario["nights"][0].proc.returncode == 0, scenario["nights"][0].proc.stderr[-2000:]


def test_each_night_stores_a_summary_and_a_log(scenario):
    runs = nightly_runs(scenario["db"])
    for n, run in enumerate(runs):
        s = run["stats"]
        assert set(s["stages"]) == {"crawl", "health", "check", "report", "mail"}
        assert all(st["duration_s"] is not None for st in s["stages"].values())
        log = Path(s["log"])
        assert log.parent == scenario["wd"] / "logs" and log.name.startswith("nightly-") and log.exists()
        assert "$ zwgk check --as-of" in log.read_text(encoding="utf-8")
        assert s["mail"]["sent"] >= 10 and s["mail"]["failed"] == 0, (n, s["mail"])
        assert s["findings"]["by_status"].get("met", 0) + s["findings"]["by_status"].get("unverifiable", 0) > 0
    first, second = runs[0]["stats"], runs[1]["stats"]
    assert runs[0]["status"] == "ok" and first["stages"]["crawl"]["status"] == "ok"
    manifest = scenario["manifest0"]
    assert first["documents"]["new"] == len(manifest["documents"])
    assert first["findings"]["previous_run"] is None and first["alarms"]["new"] == []
    assert first["findings"]["by_status"]["gap"] >= 5
    # night 1: the next-night changes, compared with night 0
    assert runs[1]["status"] == "ok" and scenario["nights"][1].proc.returncode == 0
    assert second["documents"]["new"] == 5 and second["documents"]["withdrawn"] == 1
    assert second["findings"]["previous_run"] == first["check_run"]
    assert second["alarms"]["new"] == [] and second["alarms"]["active"] == 0


def test_redesign_night_raises_alarms_and_no_unit_gets_a_new_gap(scenario):
    runs = nightly_runs(scenario["db"])
    before, redesign = runs[1]["stats"], runs[2]["stats"]
    assert scenario["nights"][2].proc.returncode == 0, scenario["nights"][2].proc.stderr[-2000:]
    assert scenario["redesign_manifest"]["redesign"] is True
    monitors = {(a["site"], a["column"], a["monitor"]) for a in redesign["alarms"]["new"]}
    assert ("bureau", None, "listed_drop") in monitors
    assert ("bureau", "3301", "column_drop") in monitors          # 工作动态: 60-odd items → the 10 on page one
    assert all(a["site"] == "bureau" for a in redesign["alarms"]["new"])
    # lists that lost most of their items at once do not withdraw them: held, and said as an alarm
    con = sqlite3.connect(scenario["db"])
    crawl = json.loads(con.execute("select stats from runs where kind = 'crawl' and id < ? order by id desc limit 1",
                                   [redesign["check_run"]]).fetchone()[0])
    # (a small column losing 5 or fewer is still weeded normally)
    assert crawl["bureau"]["withdrawals_held"] > 100 and crawl["bureau"]["withdrawn"] <= 5
    assert ("bureau", None, "withdrawals_held") in monitors
    # no unit gets a new gap: every unit's gaps tonight were gaps last night
    cfg = scenario["cfg"]
    prev = gaps_by_unit(findings_of(scenario["db"], before["check_run"]), cfg)
    now = gaps_by_unit(findings_of(scenario["db"], redesign["check_run"]), cfg)
    for unit, gaps in now.items():
        assert gaps <= prev.get(unit, set()), (unit, gaps - prev.get(unit, set()))
    assert redesign["findings"]["new_gaps"] == []
    assert redesign["findings"]["by_status"]["unverifiable"] >= 5
    # the alarms did the work: findings the same store gives as gaps without them are unverifiable with them
    assert redesign["check_run"] and redesign["alarms"]["new"]
    con = sqlite3.connect(scenario["db"])
    check_stats = json.loads(con.execute("select stats from runs where id = ?", [redesign["check_run"]]).fetchone()[0])
    assert check_stats["alarms"]["unverifiable"] >= 5
    without = {(f["requirement"], f["check"]): f["status"] for f in scenario["without_alarms"]}
    with_ = {(f["requirement"], f["check_name"]): f["status"]
             for f in findings_of(scenario["db"], redesign["check_run"])}
    assert sum(1 for k, st in without.items() if st == "gap" and with_[k] == "unverifiable") >= 5
    # (whether the redesign alone would have produced NEW gaps depends on how the spider copes with it —
    # withdrawals of unlisted items, refetches with lost titles; the replica is built so that it can)
    msg = next(f for f in findings_of(scenario["db"], redesign["check_run"]) if f["status"] == "unverifiable"
               and f["message"].startswith("抓取告警"))
    assert "局网站各栏目列出的条目合计由" in msg["message"]   # the whole site's alarm first


def test_the_office_gets_the_alarm_with_its_evidence(scenario):
    night = scenario["nights"][2]
    office = night.office_mails()
    assert len(office) == 1
    msg = office[0]
    assert "抓取告警" in str(msg["Subject"])
    text = _body(msg)
    assert "抓取健康告警" in text
    assert "“工作动态”栏目列出条目由" in text and "降至10条" in text     # what dropped, from what to what
    assert "/col/col3301/index.html" in text                          # sample URLs
    assert "/art/" in text
    html = msg.get_body(("html",)).get_content()
    assert 'data-role="alarms"' in html
    # the units' own mails carry no alarm section
    unit_mail = next(m for r, m in night.mails if "计财科" in str(m["Subject"]))
    assert "抓取健康告警" not in _body(unit_mail)


def test_repeated_alarms_are_not_resent_and_recovery_is_reported_once(scenario):
    runs = nightly_runs(scenario["db"])
    opened = {a["id"] for a in runs[2]["stats"]["alarms"]["new"]}
    third, fourth = runs[3]["stats"], runs[4]["stats"]
    # night 3: the redesign is still there — same alarms, still active, not re-sent
    assert third["alarms"]["new"] == []
    assert {a["id"] for a in third["alarms"]["ongoing"]} == opened
    assert third["findings"]["new_gaps"] == []
    text3 = _body(scenario["nights"][3].summary_mail)
    assert "抓取健康告警" not in text3 and "列出条目由" not in text3
    assert f"仍在持续、此前已报告的抓取告警 {len(opened)} 条" in text3
    assert "抓取告警" not in str(scenario["nights"][3].summary_mail["Subject"])
    # night 4: the site is back — every alarm resolved, reported once
    assert scenario["nights"][4].proc.returncode == 0
    assert {a["id"] for a in fourth["alarms"]["resolved"]} == opened
    assert fourth["alarms"]["active"] == 0
    text4 = _body(scenario["nights"][4].summary_mail)
    assert "已恢复" in text4 and "“工作动态”栏目列出条目" in text4
    # the real gaps are back, and they are the ones of night 1 (not new ones)
    assert fourth["findings"]["new_gaps"] == []
    assert fourth["findings"]["returned_gaps"]
    cfg = scenario["cfg"]
    assert gaps_by_unit(findings_of(scenario["db"], fourth["check_run"]), cfg) == \
        gaps_by_unit(findings_of(scenario["db"], runs[1]["stats"]["check_run"]), cfg)
    # night 5 does not repeat the recovery
    assert "已恢复" not in _body(scenario["nights"][5].summary_mail)


def test_a_failed_crawl_still_sends_reports_marked_with_the_data_age(scenario):
    night = scenario["nights"][5]
    assert night.proc.returncode == 1, night.proc.stdout[-2000:]
    run = nightly_runs(scenario["db"])[5]
    s = run["stats"]
    assert run["status"] == "failed" and s["failed_stage"] == "crawl"
    assert s["stages"]["crawl"]["status"] == "failed" and "unreachable" in s["reason"]
    assert all(s["stages"][k]["status"] == "ok" for k in ("health", "check", "report", "mail"))
    assert s["data"]["stale"] and "数据截至" in s["data"]["note"]
    assert s["mail"]["sent"] >= 10
    summary = night.summary_mail
    assert "数据未更新" in str(summary["Subject"])
    text = _body(summary)
    assert "数据截至" in text and "无法访问" in text
    unit = next(m for r, m in night.mails if "计财科" in str(m["Subject"]))
    assert _body(unit).startswith("注意：最近一次抓取")
    assert 'data-role="data-age"' in unit.get_body(("html",)).get_content()
    # the reports on disk say it too (night 5 is the last one rendered)
    reports = scenario["cfg"].parent / "reports"  # the demo config: paths.reports = reports
    for page in ("index.html", "units/计财科.html", "units/计财科.txt"):
        content = (reports / page).read_text(encoding="utf-8")
        assert "数据截至" in content and "无法访问" in content, page
    assert 'class="data-note"' in (reports / "units" / "计财科.html").read_text(encoding="utf-8")
    # unreachable sources are alarms too: nothing on them turns into a gap
    assert {a["monitor"] for a in s["alarms"]["new"]} == {"unreachable"}
    assert s["findings"]["new_gaps"] == [] and s["findings"]["by_status"].get("gap", 0) == 0


def test_status_shows_the_nights_at_a_glance(scenario):
    st = scenario["status"]
    assert st.returncode == 0, st.stderr
    out = st.stdout
    runs = nightly_runs(scenario["db"])
    assert "最近 6 次夜间运行" in out
    lines = out.splitlines()
    header = next(l for l in lines if l.startswith("运行"))
    for h in ("开始", "用时", "文档 新/改/撤", "缺失", "无法核实", "邮件 发/败", "告警 新/续/复"):
        assert h in header
    row = {r["id"]: next(l for l in lines if l.startswith(f"#{r['id']} ")) for r in runs}
    assert "失败(crawl)" in row[runs[5]["id"]]
    assert f"{len(runs[2]['stats']['alarms']['new'])}/0/0" in row[runs[2]["id"]]
    assert "完成" in row[runs[0]["id"]] and f"{len(scenario['manifest0']['documents'])}/0/0" in row[runs[0]["id"]]
    assert "失败原因：crawl" in out
    assert "当前抓取告警 4 条" in out
    data = json.loads(scenario["status_json"].stdout)
    assert [r["id"] for r in data["runs"]] == [r["id"] for r in reversed(runs)]
    assert data["runs"][0]["stats"]["failed_stage"] == "crawl"
    assert len(data["alarms"]) == 4


def test_configuration_error_exits_2(tmp_path):
    bad = tmp_path / "zwgk.yaml"
    bad.write_text("contact: x@example.org\nsites: {}\nunits: []\n", encoding="utf-8")
    proc = subprocess.run(ZWGK_CMD + ["--config", str(bad), "nightly"], capture_output=True, text=True,
                          timeout=60, env=_env())
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "configuration error" in proc.stderr
    assert not (tmp_path / "var").exists() and not list(tmp_path.glob("**/nightly-*.log"))
