"""The 2020 catalogue (rules/plans/2020.yaml) and catalogue validation: file, line and field, before
anything is evaluated."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.units import UnitRegistry
from rules.catalogue import PLANS_DIR, default_plan_path, load_catalogue
from rules.errors import PlanError
from rules.kinds import load_all
from rules.planread import import_plan

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
REGISTRY = UnitRegistry.from_config(load_config(FIX / "zwgk.yaml"))
CAT = PLANS_DIR / "2020.yaml"


@pytest.fixture(scope="module")
def cat():
    return load_catalogue(CAT, registry=REGISTRY)


def test_catalogue_is_the_imported_plan(cat):
    imported = import_plan(FIX / "work-plan-2020.txt", registry=REGISTRY)
    assert cat.to_dict() == imported.to_dict()
    assert cat.year == 2020 and cat.horizon_days == 30
    assert [r.id for r in cat.requirements() if r.unassigned] == ["7.2"]


def test_every_requirement_has_a_check_or_a_reasoned_manual(cat):
    reqs = cat.requirements()
    assert len(reqs) == 29
    for r in reqs:
        assert r.checks, r.id
        assert all(c.name != "待配置" for c in r.checks), r.id   # nothing left to the implicit default
        for c in r.checks:
            assert c.units, (r.id, c.name)
            if c.kind == "manual":
                assert len(c.params["reason"]) >= 10, (r.id, c.name)
    kinds = {c.kind for r in reqs for c in r.checks}
    assert kinds == set(load_all())   # every registered kind is used by the 2020 plan
    web = {r.id for r in reqs if any(c.kind != "manual" for c in r.checks)}
    assert web == {"1.1", "1.2", "1.3", "2.1", "3.1", "4.1", "4.2", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3",
                   "7.1", "10.1", "10.2", "11.2", "13.1"}


def test_checks_name_their_units(cat):
    units = {(r.id, c.name): c.units for r in cat.requirements() for c in r.checks}
    assert units[("1.2", "部门预算")] == ["计财科"]
    assert units[("1.2", "重大建设项目批准")] == ["校产办"]
    assert units[("1.2", "体育事业建设信息")] == ["体育运动服务中心"]
    assert units[("1.3", "义务教育招生入学信息")] == ["基础教育科", "区直各学校（单位、幼儿园）"]
    assert units[("7.1", "政务公开事项标准目录")] == ["办公室"]
    assert units[("10.2", "上级专栏报送")] == ["办公室", "宣传信息中心", "各镇（街）教委", "区直各学校（单位、幼儿园）"]


def test_key_parameters(cat):
    p = {(r.id, c.name): c.params for r in cat.requirements() for c in r.checks}
    assert p[("7.1", "政务公开事项标准目录")]["due"] == "09-30"
    assert p[("4.1", "决策草案征求意见")]["min_days"] == 30
    assert p[("4.1", "决策草案征求意见")]["normative_workdays"] == 7
    assert p[("3.1", "政策解读")]["working_days"] == 3
    assert p[("10.1", "栏目更新")]["limits"] == {"动态": 14, "通知公告": 183, "政策文件": 183, "人事": 365, "规划计划": 365}
    assert p[("13.1", "政府信息公开工作年度报告")]["due"] == "01-31"
    assert p[("1.2", "部门决算")]["match"]["year"] == "previous"
    assert p[("1.2", "部门预算")]["match"]["publisher"] == "bureau"


def test_default_plan_path():
    assert default_plan_path(2020) == CAT
    assert default_plan_path(2023) == CAT      # the newest plan not after the year
    assert default_plan_path(None) == CAT


def test_one_plan_path_resolution_for_every_command(tmp_path):
    from types import SimpleNamespace

    from rules.catalogue import plan_candidates, plan_path

    configured = SimpleNamespace(plan_path=tmp_path / "configured.yaml")
    given, recorded = tmp_path / "given.yaml", str(tmp_path / "checked.yaml")
    assert plan_path(given, configured, year=2020) == given               # --plan first, even before it exists
    assert plan_path(None, configured, year=2020) == configured.plan_path  # then paths.plan
    assert plan_path(None, SimpleNamespace(plan_path=None), year=2021) == CAT == plan_path()
    # reports also look at the plan the check run used, after --plan and before paths.plan
    assert plan_candidates(given, configured, year=2020, recorded=recorded) == [
        given, tmp_path / "checked.yaml", configured.plan_path, CAT]
    assert plan_candidates(None, None, recorded=recorded) == [tmp_path / "checked.yaml", CAT]


BASE = """\
year: 2020
sections:
  - title: 一、测试
    tasks:
      - number: 1
        title: 测试任务
        requirements:
          - id: "1.1"
            text: 测试要求。
            units: [办公室]
            checks:
              - name: 检查
                kind: presence
                params:
                  match: {any: [预算]}
"""


@pytest.mark.parametrize("old, new, line, field, words", [
    ("kind: presence", "kind: presense", 13, "requirements[1.1].checks[0].kind", "unknown kind 'presense'"),
    ("match: {any: [预算]}", "match: {any: [预算]}\n                  min_count: -1", 16,
     "requirements[1.1].checks[0].params.min_count", "must be at least 1"),
    ("match: {any: [预算]}", "match: {any: [预算]}\n                  due: 13-45", 16,
     "requirements[1.1].checks[0].params.due", "'13-45' is not a real date"),
    ("match: {any: [预算]}", "match: {any: [预算]}\n                  deadline: 09-30", 16,
     "requirements[1.1].checks[0].params.deadline", "unknown parameter"),
    ("match: {any: [预算]}", "match: {any: [预算], site: [county]}", 15,
     "requirements[1.1].checks[0].params.match.site[0]", "'county' is not one of"),
    ("match: {any: [预算]}", "match: {year: plan}", 15,
     "requirements[1.1].checks[0].params.match", "needs terms"),
    ("units: [办公室]", "units: [办公室, 宣传科]", 10, "requirements[1.1].units[1]", "unknown unit '宣传科'"),
    ("kind: presence", "kind: presence\n                units: [校办]", 14, "requirements[1.1].checks[0].units[0]",
     "unknown unit '校办'"),
    ("kind: presence\n                params:\n                  match: {any: [预算]}", "kind: manual", 12,
     "requirements[1.1].checks[0].params.reason", "is required"),
    ('id: "1.1"', 'id: "2.1"', 8, "requirements[2.1].id", "must be '1.<order>'"),
    ("              - name: 检查", "              - name: 检查\n                colour: red", 13,
     "requirements[1.1].checks[0].colour", "unknown field"),
    ("text: 测试要求。", "text: [测试要求", 10, "(syntax)", "not valid YAML"),
])
def test_catalogue_errors_name_file_line_field(tmp_path, old, new, line, field, words):
    path = tmp_path / "bad.yaml"
    assert old in BASE
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_catalogue(path, registry=REGISTRY)
    assert (e.value.file, e.value.line, e.value.field) == (str(path), line, field), str(e.value)
    assert words in e.value.problem
    assert str(e.value).startswith(f"{path}:{line}: {field}: ")


def test_catalogue_without_registry_keeps_unit_names(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("units: [办公室]", "units: [任何科室]"), encoding="utf-8")
    assert load_catalogue(path).requirements()[0].units == ["任何科室"]
