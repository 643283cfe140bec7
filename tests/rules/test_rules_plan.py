"""Plan import: the messy text export of the 2020 Word table, a .docx table, and files that are not plans."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from zwgk.cli import cli
from crawler.config import load_config
from crawler.units import UnitRegistry
from rules.catalogue import load_catalogue, write_plan_yaml
from rules.errors import PlanError
from rules.plan import split_units
from rules.planread import import_plan

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
PLAN_TXT = FIX / "work-plan-2020.txt"
CONFIG = FIX / "zwgk.yaml"


@pytest.fixture(scope="module")
def registry():
    return UnitRegistry.from_config(load_config(CONFIG))


@pytest.fixture(scope="module")
def plan2020(registry):
    return import_plan(PLAN_TXT, registry=registry)


def test_2020_plan_has_5_sections_14_tasks_29_requirements(plan2020):
    assert len(plan2020.sections) == 5
    assert [t.number for t in plan2020.tasks()] == list(range(1, 15))
    reqs = plan2020.requirements()
    assert len(reqs) == 29
    assert [r.id for r in reqs][:8] == ["1.1", "1.2", "1.3", "2.1", "3.1", "3.2", "4.1", "4.2"]
    per_task = [len(t.requirements) for t in plan2020.tasks()]
    assert per_task == [3, 1, 2, 2, 3, 3, 2, 1, 1, 2, 2, 2, 2, 3]
    assert plan2020.year == 2020
    assert plan2020.sections[0].title == "一、聚焦中心工作和重点领域，拓展公开广度和深度"
    assert plan2020.sections[4].title == "五、强化组织保障和基础工作"


def test_task_cells_split_over_lines_and_blank_lines(plan2020):
    titles = {t.number: t.title for t in plan2020.tasks()}
    assert titles[1] == "聚焦中心工作加强信息公开"        # "1．…加强\n信息公开"
    assert titles[5] == "推进管理和服务公开"               # empty cell start, blank lines around
    assert titles[8] == "规范依申请公开工作"               # three lines
    assert titles[3] == "聚焦教育发展，加强政策解读回应"    # "3." half-width
    r51 = plan2020.requirement("5.1")
    assert r51.text == "编写公布本部门机构职能目录，更新完善权责清单。"
    assert r51.units == ["人事科", "许可服务科"]


def test_units_normalised_split_and_never_inside_brackets(plan2020):
    r = {x.id: x for x in plan2020.requirements()}
    assert r["1.2"].units == ["计财科", "校产办", "体育运动服务中心"]
    # trailing spaces on 教育事业发展促进中心; alias 区直各学校（幼儿园） → canonical group name
    assert r["1.3"].units == ["基础教育科", "学前教育科", "教育事业发展促进中心", "职业教育科", "区直各学校（单位、幼儿园）"]
    # 基教科 → 基础教育科; "各镇（街）教委、区直各学校（单位、幼儿园）" is two units, not three
    assert r["2.1"].units == ["基础教育科", "各镇（街）教委", "区直各学校（单位、幼儿园）"]
    assert r["10.2"].units == ["办公室", "宣传信息中心", "各镇（街）教委", "区直各学校（单位、幼儿园）"]
    assert r["14.2"].units == ["办公室", "人事科"]


def test_empty_unit_cell_goes_to_lead_office_marked_unassigned(plan2020):
    r72 = plan2020.requirement("7.2")
    assert r72.units == ["办公室"] and r72.unassigned is True
    assert r72.text.startswith("把推进基层政务公开标准化规范化情况")
    assert [r.id for r in plan2020.requirements() if r.unassigned] == ["7.2"]


def test_without_config_names_are_kept_as_written():
    p = import_plan(PLAN_TXT)
    assert p.requirement("2.1").units == ["基教科", "各镇（街）教委", "区直各学校（单位、幼儿园）"]
    assert p.requirement("1.3").units[-1] == "区直各学校（幼儿园）"
    assert p.requirement("7.2").units == ["办公室"]


def test_split_units():
    assert split_units("各镇（街）教委、区直各学校（单位、幼儿园）") == ["各镇（街）教委", "区直各学校（单位、幼儿园）"]
    assert split_units("计财科\n校产办  \n\n体育运动服务中心   ") == ["计财科", "校产办", "体育运动服务中心"]
    assert split_units("区直各学校(单位、幼儿园)、办公室") == ["区直各学校(单位、幼儿园)", "办公室"]
    assert split_units("  \n") == []


def test_full_width_numbers_and_one_line_rows(tmp_path, registry):
    f = tmp_path / "plan-2021.txt"
    f.write_text("\t工作任务\n\t具体要求\n\t责任单位\n\n"
                 "\t一、第一部分\n\n"
                 "\t１２．全角编号的任务\n\t第一项要求。\n\t局办公室\n\n"
                 "\t\t第二项要求。\t计划财务科、基教科\n", encoding="utf-8")
    p = import_plan(f, registry=registry)
    assert p.year == 2021
    assert [(r.id, r.units) for r in p.requirements()] == [("12.1", ["办公室"]), ("12.2", ["计财科", "基础教育科"])]
    assert p.tasks()[0].title == "全角编号的任务"


def test_unknown_unit_is_kept_listed_and_a_close_known_unit_suggested(tmp_path, registry):
    from rules.planread import suggest
    f = tmp_path / "plan.txt"
    text = PLAN_TXT.read_text(encoding="utf-8").replace("宣传信息中心\n\n\t二、", "宣传信息科\n\n\t二、")
    f.write_text(text, encoding="utf-8")
    p = import_plan(f, registry=registry)   # the plan is the authority: not an error
    assert p.requirement("3.2").units == ["宣传信息科"]
    assert p.unknown_units == ["宣传信息科"]
    assert suggest("宣传信息科", registry) == "宣传信息中心"
    assert suggest("基教科室", registry) == "基础教育科"
    assert suggest("财务审计处", registry) is None


@pytest.mark.parametrize("content, line, words", [
    ("# Internal contracts\n\nModules talk through these shapes only.\n", 1,
     "no table with a 具体要求/责任单位 header found"),
    ("\n\n\tsome cell\n\tanother\n", 3, "incomplete row"),
    ("\t一、部分\n\t1．任务\n\t\n\t办公室\n", 3, "without requirement text"),
    ("\t一、部分\n\t二、另一部分\n", 2, "no requirements"),
    ("", 1, "no table with a 具体要求/责任单位 header found"),
])
def test_non_plan_files_fail_with_the_line(tmp_path, content, line, words):
    f = tmp_path / "notaplan.txt"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(PlanError) as e:
        import_plan(f)
    assert e.value.line == line and words in str(e.value) and str(e.value).startswith(f"{f}:{line}: ")


def test_binary_file_is_refused(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b"%PDF-1.4\x00\x01\x02")
    with pytest.raises(PlanError, match="binary"):
        import_plan(f)


def test_gbk_text_export_is_read(tmp_path, registry):
    f = tmp_path / "work-plan-2020.txt"
    f.write_bytes(PLAN_TXT.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    p = import_plan(f, registry=registry)
    assert len(p.requirements()) == 29 and p.requirement("2.1").units[0] == "基础教育科"


def _docx_plan(path: Path) -> Path:
    import docx
    d = docx.Document()
    d.add_paragraph("兖州区教育和体育局2020年政务公开工作要点")
    t = d.add_table(rows=6, cols=3)
    for i, h in enumerate(("工作任务", "具体要求", "责任单位")):
        t.cell(0, i).text = h
    t.cell(1, 0).merge(t.cell(1, 2)).text = "一、聚焦中心工作和重点领域，拓展公开广度和深度"
    t.cell(2, 0).text = "1．聚焦中心工作加强信息公开"
    t.cell(2, 1).text = "重点推动教育基础设施建设等领域重大建设项目信息公开。"
    t.cell(2, 2).text = "校产办"
    t.cell(3, 1).text = "继续推进财政预决算等领域的政府信息公开。"
    cell = t.cell(3, 2)
    cell.text = "计财科"
    cell.add_paragraph("校产办、体育运动服务中心")
    t.cell(2, 0).merge(t.cell(3, 0))                      # the task cell spans two rows
    t.cell(4, 0).merge(t.cell(4, 2)).text = "二、推进行政决策、执行、管理、服务和结果全过程公开"
    t.cell(5, 0).text = "２.推进决策公开"
    t.cell(5, 1).text = "公开征求意见的期限一般不少于30日。"
    t.cell(5, 2).text = ""                                 # no unit
    d.save(str(path))
    return path


def test_docx_table_import(tmp_path, registry):
    p = import_plan(_docx_plan(tmp_path / "plan.docx"), registry=registry)
    assert p.year == 2020 and p.title == "兖州区教育和体育局2020年政务公开工作要点"
    assert [s.title[:2] for s in p.sections] == ["一、", "二、"]
    assert [(r.id, r.units, r.unassigned) for r in p.requirements()] == [
        ("1.1", ["校产办"], False),
        ("1.2", ["计财科", "校产办", "体育运动服务中心"], False),
        ("2.1", ["办公室"], True)]
    assert p.tasks()[1].title == "推进决策公开"


def test_not_a_docx(tmp_path):
    f = tmp_path / "broken.docx"
    f.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(PlanError, match="not a readable .docx"):
        import_plan(f)
    import docx
    d = docx.Document()
    d.add_paragraph("只有文字，没有表格")
    d.save(str(tmp_path / "text.docx"))
    with pytest.raises(PlanError, match="holds no table"):
        import_plan(tmp_path / "text.docx")


# --- the command ---------------------------------------------------------------------------------

def _run(args, tmp_path):
    return CliRunner().invoke(cli, ["--db", str(tmp_path / "z.db"), *args], catch_exceptions=False)


def test_cli_plan_import_json_shape(tmp_path):
    r = _run(["--config", str(CONFIG), "plan", "import", str(PLAN_TXT), "--json"], tmp_path)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert list(data) == ["sections", "unknown_units"] and data["unknown_units"] == []
    assert len(data["sections"]) == 5
    s0 = data["sections"][0]
    assert list(s0) == ["title", "tasks"]
    t1 = s0["tasks"][0]
    assert list(t1) == ["number", "title", "requirements"] and t1["number"] == 1
    assert t1["requirements"][1] == {
        "id": "1.2", "text": "继续推进财政预决算、重大建设项目批准和实施、教育体育事业建设等领域的政府信息公开。",
        "units": ["计财科", "校产办", "体育运动服务中心"]}
    assert sum(len(t["requirements"]) for s in data["sections"] for t in s["tasks"]) == 29


def test_cli_plan_import_writes_yaml_that_runs(tmp_path):
    out = tmp_path / "plan.yaml"
    r = _run(["--config", str(CONFIG), "plan", "import", str(PLAN_TXT), "-o", str(out)], tmp_path)
    assert r.exit_code == 0, r.output
    assert "5 sections, 14 tasks, 29 requirements" in r.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["year"] == 2020 and len(data["sections"]) == 5
    unassigned = [q for s in data["sections"] for t in s["tasks"] for q in t["requirements"] if q.get("unassigned")]
    assert [q["id"] for q in unassigned] == ["7.2"]
    # the written plan loads as a catalogue, with checks drafted from the text (tests/rules/test_draft.py)
    p = load_catalogue(out, registry=UnitRegistry.from_config(load_config(CONFIG)))
    assert len(p.requirements()) == 29
    assert {"presence", "deadline", "enrollment_set", "manual"} <= {c.kind for r in p.requirements() for c in r.checks}
    # --no-draft: the plan alone; requirements without checks wait for a person
    r = _run(["--config", str(CONFIG), "plan", "import", str(PLAN_TXT), "-o", str(out), "--no-draft"], tmp_path)
    assert r.exit_code == 0, r.output
    p = load_catalogue(out, registry=UnitRegistry.from_config(load_config(CONFIG)))
    assert {c.kind for r in p.requirements() for c in r.checks} == {"manual"}


def test_cli_plan_import_error_exit_2(tmp_path):
    bad = tmp_path / "readme.txt"
    bad.write_text("zwgk\n====\n", encoding="utf-8")
    r = _run(["plan", "import", str(bad)], tmp_path)
    assert r.exit_code == 2
    assert f"{bad}:1: table: not a work-plan table" in r.output


def test_write_plan_yaml_roundtrip(tmp_path, plan2020, registry):
    out = tmp_path / "p.yaml"
    write_plan_yaml(plan2020, out)
    again = load_catalogue(out, registry=registry)
    assert again.to_dict() == plan2020.to_dict()
