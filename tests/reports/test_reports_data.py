"""Shared test data for the report and mail tests: a config with a group unit, a plan, two check runs.

(No tests here: imported by tests/reports/test_reports.py, test_mail.py and others.)
"""
from __future__ import annotations

import socket
from pathlib import Path

from crawler.config import load_config
from crawler.store import Store

HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)'
HOSTILE_MESSAGE = "<img src=x onerror=alert(3)>"
FORMULA_MESSAGE = "=cmd|' /C calc'!A0 未找到2020年招生结果公告"

CONFIG_YAML = """\
contact: admin@example.org
paths: {{data: ".", reports: reports, outbox: outbox}}
sites:
  bureau: {{name: 济宁市兖州区教育和体育局, base_url: "http://127.0.0.1:9"}}
units:
  - {{name: 办公室, kind: office, aliases: [局办公室], email: [bgs@example.org]}}
  - {{name: 计财科, kind: section, email: [jck@example.org]}}
  - {{name: 基础教育科, kind: section, aliases: [基教科], email: [jjk@example.org, jjk2@example.org]}}
  - {{name: 学前教育科, kind: section}}
  - {{name: 兖州区实验小学, kind: school, email: [syxx@example.org]}}
  - name: 区直各学校（单位、幼儿园）
    kind: group
    aliases: [区直各学校（幼儿园）]
    members: [兖州区实验小学]
    contact: 基础教育科
  - {{name: 机关各科室, kind: group, members: [办公室, 计财科, 基础教育科, 学前教育科]}}
lead_unit: 办公室
mail: {{host: 127.0.0.1, port: {port}, security: none, sender: zwgk@example.org{extra}}}
"""

PLAN = {"sections": [
    {"title": "一、聚焦中心工作和重点领域，拓展公开广度和深度", "tasks": [
        {"number": 1, "title": "聚焦中心工作加强信息公开", "requirements": [
            {"id": "1.1", "text": "重点推动教育基础设施建设、乡村振兴等领域重大建设项目信息公开。", "units": ["校产办"]},
            {"id": "1.2", "text": "继续推进财政预决算、重大建设项目批准和实施、教育体育事业建设等领域的政府信息公开。",
             "units": ["计财科"]},
            {"id": "1.3", "text": "持续做好普惠性学前教育、义务教育招生入学及优质均衡发展、民办教育规范发展等信息公开。",
             "units": ["基础教育科", "区直各学校（幼儿园）"]}]}]},
    {"title": "二、推进行政决策、执行、管理、服务和结果全过程公开", "tasks": [
        {"number": 4, "title": "推进决策公开", "requirements": [
            {"id": "4.1", "text": "涉及公共利益和公众权益的重大事项，应公布决策草案及其说明等材料，公开征求意见的期限一般不少于30日。",
             "units": ["机关各科室"]},
            {"id": "4.2", "text": "持续深化开展政府部门开放日、网络问政、电视问政等多形式的公众参与和监督活动。",
             "units": ["办公室"]}]},
        {"number": 6, "title": "推进执行和结果公开", "requirements": [
            {"id": "6.1", "text": "定期公开政府工作报告涉及教育体育方面重点任务的执行情况。", "units": ["计财科"]}]},
        {"number": 7, "title": "推进基层政务公开标准化规范化", "requirements": [
            {"id": "7.2", "text": "建立健全政务公开工作机制，加强培训。", "units": []}]}]},
]}

EV_A = {"url": "http://127.0.0.1:9/art/2020/5/9/art_3301_1.html", "title": "兖州区教育基础设施建设项目批复",
        "published": "2020-05-09", "terms": ["批复", "建设项目"]}
EV_B = {"url": "http://127.0.0.1:9/art/2020/11/2/art_3301_2.html", "title": "项目进展" + HOSTILE,
        "published": "2020-11-02", "terms": ["进展"]}
EV_C = {"url": "http://127.0.0.1:9/art/2020/12/1/art_3302_3.html", "title": "兖州区教育和体育局2020年部门预算",
        "published": "2020-12-01", "terms": ["部门预算"]}
EV_JS = {"url": "javascript:alert(document.cookie)", "title": "@SUM(1+1) 招生计划", "published": "2020-08-20",
         "terms": ["招生计划"]}

RUN1 = [  # as of 2020-09-30
    {"requirement": "1.1", "check": "presence", "units": ["计财科"], "status": "met", "due": "2020-06-30",
     "evidence": [EV_A], "message": "已公开重大建设项目批准信息"},
    {"requirement": "1.2", "check": "presence", "units": ["计财科"], "status": "gap", "due": "2020-06-30",
     "evidence": [], "message": "未找到2020年部门预算"},
    {"requirement": "1.3", "check": "enrollment", "units": ["基础教育科", "区直各学校（单位、幼儿园）"], "status": "gap",
     "due": "2020-09-30", "evidence": [], "message": "未找到2020年招生结果公告"},
]

RUN2 = [  # as of 2020-12-31
    {"requirement": "1.1", "check": "presence", "units": ["计财科"], "status": "met", "due": "2020-06-30",
     "evidence": [EV_A, EV_B], "message": "已公开重大建设项目批准和实施信息"},
    {"requirement": "1.2", "check": "presence", "units": ["计财科"], "status": "met", "due": "2020-06-30",
     "evidence": [EV_C], "message": "已公开2020年部门预算"},
    {"requirement": "1.3", "check": "enrollment", "units": ["基础教育科", "区直各学校（单位、幼儿园）"], "status": "gap",
     "due": "2020-09-30", "evidence": [], "message": FORMULA_MESSAGE},
    {"requirement": "1.3", "check": "enrollment_plan", "units": ["基础教育科"], "status": "late",
     "due": "2020-07-31", "evidence": [EV_JS], "message": "2020年招生计划晚于期限20天公开" + HOSTILE_MESSAGE},
    {"requirement": "4.1", "check": "consultation", "units": ["机关各科室"], "status": "at_risk", "due": "2021-01-15",
     "evidence": [], "message": "征求意见采纳情况尚未公开，将于2021-01-15到期"},
    {"requirement": "4.2", "check": "open_day", "units": ["办公室"], "status": "pending", "due": "2021-03-31",
     "evidence": [], "message": "政府开放日活动尚未到期"},
    {"requirement": "6.1", "check": "periodic", "units": ["计财科"], "status": "unverifiable", "due": "2020-12-31",
     "evidence": [], "message": "栏目“重点工作”无法读取（HTTP 412）"},
    {"requirement": "7.2", "check": "manual", "units": [], "status": "manual", "due": None,
     "evidence": [], "message": "需要人工确认：培训开展情况", "unassigned": True},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder: Path, port: int = 25, extra: str = "") -> Path:
    path = folder / "zwgk.yaml"
    path.write_text(CONFIG_YAML.format(port=port, extra=extra), encoding="utf-8")
    return path


def make_world(folder: Path, port: int = 25, extra: str = "", runs: int = 2):
    """Config + store with one (runs=1) or two check runs. Returns (config, store, run_ids)."""
    config = load_config(write_config(folder, port, extra))
    store = Store(folder / "zwgk.db")
    ids = []
    for as_of, findings in [("2020-09-30", RUN1), ("2020-12-31", RUN2)][:runs]:
        rid = store.start_run("check", as_of=as_of)
        store.add_findings(rid, findings)
        store.finish_run(rid, "ok", {"findings": len(findings)})
        ids.append(rid)
    return config, store, ids


def freshness_findings(store, config, as_of: str = "2020-12-31", sites=("bureau",), requirement: str = "4.2",
                       params: str = "") -> list[dict]:
    """What the real freshness rule (rules/kinds/freshness.py) finds on *store*, as stored findings: the
    dashboard's column table is a view of these (its ``facts["columns"]``)."""
    import datetime as dt
    import tempfile

    from crawler.units import UnitRegistry
    from rules.catalogue import load_catalogue
    from rules.engine import Context, evaluate

    registry = UnitRegistry.from_config(config)
    text = (f"year: 2020\nsections:\n  - title: 测试\n    tasks:\n      - number: {requirement.split('.')[0]}\n        title: 测试\n"
            f"        requirements:\n          - id: \"{requirement}\"\n            text: 栏目及时更新。\n"
            f"            units: [办公室]\n            checks:\n"
            f"              - {{name: 栏目更新, kind: freshness, params: {{site: [{', '.join(sites)}]{params}}}}}\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        plan = load_catalogue(path, registry=registry)
    ctx = Context(store, plan, dt.date.fromisoformat(as_of), config=config, registry=registry)
    return [f.to_dict() for f in evaluate(plan, ctx)]
