"""Plans as they really come: a real plan of another organ (.html, .docx) against its expected.json, and
plans in other styles made here (.xlsx 任务分解表, .html without sections, .docx with a cover notice,
.pdf with a text table, a URL on a local server), units that the configuration does not know."""
from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from zwgk.cli import cli
from crawler.config import load_config
from crawler.units import UnitRegistry
from rules.errors import PlanError
from rules.planread import detect, import_plan

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
REAL = FIX / "realplans"
CONFIG = FIX / "zwgk.yaml"
EXPECTED = json.loads((REAL / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry():
    return UnitRegistry.from_config(load_config(CONFIG))


def _check_expected(plan, exp):
    assert sum(1 for s in plan.sections if s.title) == exp["sections"]
    assert len(plan.tasks()) == exp["tasks"]
    reqs = plan.requirements()
    assert len(reqs) == exp["requirements_count"]
    task_of = {t.number: t.title for t in plan.tasks()}
    for r, e in zip(reqs, exp["requirements"]):
        assert task_of[r.task] == e["task"], r.id
        assert r.text.startswith(e["text_start"]), r.id
        assert r.units == e["units"], r.id
        assert r.deadline == e["deadline"], r.id


@pytest.mark.parametrize("suffix", ["html", "docx"])
def test_real_plan_of_another_organ_matches_expected(suffix, registry):
    for name, exp in EXPECTED.items():
        if suffix not in exp["files"]:
            continue
        plan = import_plan(REAL / f"{Path(name).stem}.{suffix}", registry=registry)
        _check_expected(plan, exp)
        assert plan.title == exp["title"]
        # ids task.n in the plan's order: the merged task cell holds 3.1 and 3.2
        assert [r.id for r in plan.requirements()] == ["1.1", "2.1", "3.1", "3.2", "4.1", "5.1", "6.1", "7.1"]
        assert plan.unknown_units == ["各科室"]


def test_cli_lists_unknown_units_with_a_stanza_and_a_suggestion(tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli, ["--db", str(tmp_path / "z.db"), "--config", str(CONFIG), "plan", "import",
                            str(REAL / "chizhou_xfj.docx")])
    assert r.exit_code == 0, r.output
    assert "0 sections, 7 tasks, 8 requirements" in r.output
    assert "各科室  — did you mean 机关各科室?" in r.output
    assert "units:\n  - {name: 各科室, kind: group" in r.output
    r = runner.invoke(cli, ["--db", str(tmp_path / "z.db"), "--config", str(CONFIG), "plan", "import",
                            str(REAL / "chizhou_xfj.html"), "--json"])
    data = json.loads(r.output)
    assert data["unknown_units"] == [{"name": "各科室", "suggestion": "机关各科室"}]
    assert data["sections"][0]["tasks"][2]["requirements"][1]["deadline"] == "持续推进"


# --- plans in other styles ---------------------------------------------------------------------------

def _xlsx_plan(path: Path) -> Path:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某市教育局2023年政务公开重点任务分解表"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时限", "备注"])
    ws.append([1, "推进财政信息公开", "批复后20日内公开部门预算。", "计划财务科", "办公室", "批复后20日内", ""])
    ws.append([2, None, "公开上年度部门决算。", "计划财务科", None, "9月底前", ""])
    ws.merge_cells("B3:B4")
    ws.append([3, "做好招生入学信息公开", "公开义务教育招生政策和学区划分。",
               "基教科、各市、县(市、区)教育局", "区直各学校（单位、幼儿园）", "6月30日前", "新增"])
    ws.append([4, "加强政策解读", "政策文件出台后3个工作日内发布解读。", "宣传科\n办公室", "", "长期坚持", ""])
    wb.save(str(path))
    return path


def test_xlsx_task_breakdown_with_lead_and_partner_columns(tmp_path, registry):
    p = import_plan(_xlsx_plan(tmp_path / "任务分解表.bin"), registry=registry)   # the format is in the bytes
    assert p.year == 2023 and p.title == "某某市教育局2023年政务公开重点任务分解表"
    assert [(r.id, r.units, r.partners, r.deadline) for r in p.requirements()] == [
        ("1.1", ["计财科"], ["办公室"], "批复后20日内"),
        ("1.2", ["计财科"], [], "9月底前"),          # the merged task cell goes on
        ("2.1", ["基础教育科", "各市、县(市、区)教育局"], ["区直各学校（单位、幼儿园）"], "6月30日前"),
        ("3.1", ["宣传科", "办公室"], [], "长期坚持")]
    assert p.unknown_units == ["各市、县(市、区)教育局", "宣传科"]
    assert [t.title for t in p.tasks()] == ["推进财政信息公开", "做好招生入学信息公开", "加强政策解读"]


HTML_VARIANT = """<html><head><meta charset="gbk"><title>某局网站</title></head><body>
<table class="layout"><tr><td><div class="nav">首页 &gt; 政务公开</div>
<div class="article"><div class="title">某县教育和体育局2022年政务公开工作要点</div>
<p>各科室：现将《某县教育和体育局2022年政务公开工作要点》印发给你们，请认真贯彻落实。</p>
<table border="1">
<tr><th>序号</th><th>工作任务</th><th>工作内容</th><th>任务分工</th><th>完成时间</th></tr>
<tr><td>1</td><td rowspan="3">一、聚焦重点领域<br>（一）财政预决算公开</td><td>公开部门预算和<span>“三公”</span>经费。</td>
    <td>计财科</td><td>3月底前</td></tr>
<tr><td>2</td><td>公开部门决算。</td><td>计财科</td><td>9月底前</td></tr>
<tr><td>3</td><td>公开重大建设项目批准和实施信息。</td><td>校产办；局办公室</td><td>年底前</td></tr>
<tr><td>4</td><td>（二）加强政策解读</td><td>每季度发布政策解读不少于2篇。</td><td>基教科，宣传信息中心（牵头）</td><td>按季度</td></tr>
</table></div></td></tr></table>
<div class="footer">主办单位：某县教育和体育局</div></body></html>"""


def test_html_without_separate_section_rows_heading_shares_a_cell(tmp_path, registry):
    f = tmp_path / "plan.html"
    f.write_bytes(HTML_VARIANT.encode("gbk"))
    p = import_plan(f, registry=registry)
    assert p.year == 2022 and p.title == "某县教育和体育局2022年政务公开工作要点"
    assert [s.title for s in p.sections] == ["一、聚焦重点领域"]
    assert [t.title for t in p.tasks()] == ["财政预决算公开", "加强政策解读"]
    reqs = p.requirements()
    assert [r.id for r in reqs] == ["1.1", "1.2", "1.3", "2.1"]
    assert reqs[0].text == "公开部门预算和“三公”经费。"
    assert reqs[2].units == ["校产办", "办公室"]
    assert reqs[3].units == ["基础教育科", "宣传信息中心"] and reqs[3].deadline == "按季度"


def test_docx_with_cover_notice_and_a_responsibility_header(tmp_path, registry):
    import docx
    d = docx.Document()
    d.add_paragraph("某区教育局办公室关于印发《某区教育局2024年政务公开工作要点》的通知")
    d.add_paragraph("各科室、各学校：现印发给你们，请抓好落实。2024年2月1日")
    t = d.add_table(rows=4, cols=3)
    for i, h in enumerate(("主要任务", "具体措施", "责任科室")):
        t.cell(0, i).text = h
    t.cell(1, 0).text = "强化政策解读"
    t.cell(1, 1).text = "1.政策文件与解读材料同步公开。"
    t.cell(1, 2).text = "办公室"
    t.cell(2, 1).text = "2.做好重大政策新闻发布会。"
    t.cell(2, 2).text = "宣传信息中心"
    t.cell(1, 0).merge(t.cell(2, 0))
    t.cell(3, 0).text = "深化预决算公开"
    t.cell(3, 1).text = "公开部门预算。"
    t.cell(3, 2).text = "计财科"
    f = tmp_path / "notice.docx"
    d.save(str(f))
    p = import_plan(f, registry=registry)
    assert p.year == 2024 and "2024年政务公开工作要点" in p.title
    assert [(r.id, r.text[:6], r.units) for r in p.requirements()] == [
        ("1.1", "1.政策文件", ["办公室"]), ("1.2", "2.做好重大", ["宣传信息中心"]), ("2.1", "公开部门预算", ["计财科"])]


def test_pdf_with_a_text_table(tmp_path, registry):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
    from reportlab.lib.styles import ParagraphStyle
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    f = tmp_path / "plan.pdf"
    table = Table([["序号", "工作任务", "具体要求", "责任单位", "完成时限"],
                   ["1", "财政信息公开", "公开部门预算。", "计财科", "3月底前"],
                   ["2", "财政信息公开", "公开三公经费。", "计财科、办公室", "年底前"],
                   ["3", "招生信息公开", "公开招生计划。", "基教科", "9月底前"]])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light"), ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    SimpleDocTemplate(str(f), pagesize=A4).build(
        [Paragraph("某区教育局2025年政务公开工作要点", ParagraphStyle("t", fontName="STSong-Light")), table])
    p = import_plan(f, registry=registry)
    assert p.year == 2025
    assert [(r.id, r.text, r.units, r.deadline) for r in p.requirements()] == [
        ("1.1", "公开部门预算。", ["计财科"], "3月底前"),
        ("1.2", "公开三公经费。", ["计财科", "办公室"], "年底前"),    # the same task cell repeated: one task
        ("2.1", "公开招生计划。", ["基础教育科"], "9月底前")]


@pytest.mark.parametrize("suffix", ["html", "docx"])
def test_plan_by_url_is_one_get_from_a_local_server(tmp_path, registry, suffix):
    page = (REAL / f"chizhou_xfj.{suffix}").read_bytes()
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("User-Agent")))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/OpennessContent/show/1426818.{suffix}"
        p = import_plan(url, registry=registry)
    finally:
        server.shutdown()
    _check_expected(p, EXPECTED["chizhou_xfj.txt"])
    assert len(seen) == 1 and seen[0][0] == f"/OpennessContent/show/1426818.{suffix}"
    assert seen[0][1].startswith("zwgk/")
    assert p.source == f"1426818.{suffix}"


def test_unreachable_url_is_one_clear_line():
    with pytest.raises(PlanError, match=r"^http://127\.0\.0\.1:9/plan\.html: \(url\): could not be fetched"):
        import_plan("http://127.0.0.1:9/plan.html")


@pytest.mark.parametrize("name, content", [
    ("page.html", "<html><body><h1>新闻</h1><table><tr><td>标题</td><td>日期</td></tr>"
                  "<tr><td>某新闻</td><td>2020-01-01</td></tr></table></body></html>"),
    ("page2.html", "<html><body><p>没有表格的页面</p></body></html>"),
])
def test_a_page_that_is_not_a_plan_says_what_was_expected(tmp_path, name, content):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(PlanError) as e:
        import_plan(f)
    assert str(e.value).startswith(f"{f}: (file): not a work-plan page: no table with a 具体要求/责任单位 header found")


def test_format_is_detected_from_content(tmp_path):
    assert detect((REAL / "chizhou_xfj.docx").read_bytes()) == "docx"
    assert detect((REAL / "chizhou_xfj.html").read_bytes()) == "html"
    assert detect(_xlsx_plan(tmp_path / "x.xlsx").read_bytes()) == "xlsx"
    assert detect(b"%PDF-1.7\n...") == "pdf"
    assert detect("\t工作任务\n".encode()) == "text"
    old = tmp_path / "plan.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(PlanError, match=r"plan\.doc: \(file\): an old binary Word/Excel/WPS file"):
        import_plan(old)


def test_two_header_rows_and_a_plan_split_over_tables(tmp_path, registry):
    """责任单位 over 牵头单位 | 配合单位 in a second header row; one table per section, header repeated."""
    head = ('<tr><td rowspan="2">序号</td><td rowspan="2">重点任务</td><td rowspan="2">主要内容</td>'
            '<td colspan="2">责任单位</td><td rowspan="2">时间节点</td></tr><tr><td>牵头单位</td><td>配合单位</td></tr>')
    page = f"""<html><head><meta charset="utf-8"></head><body><h1>某区教育局2024年政务公开工作要点</h1>
<p>一、推进决策公开</p><table>{head}
<tr><td>1</td><td>推进决策公开</td><td>重大决策草案公开征求意见不少于30日。</td><td>办公室</td><td>各科室</td><td>持续推进</td></tr>
</table><p>二、推进执行公开</p><table>{head}
<tr><td>1</td><td>推进执行公开</td><td>公开审计整改情况。</td><td>计财科</td><td></td><td>2024年12月</td></tr>
</table></body></html>"""
    f = tmp_path / "plan.htm"
    f.write_text(page, encoding="utf-8")
    p = import_plan(f, registry=registry)
    assert [(r.id, r.units, r.partners, r.deadline) for r in p.requirements()] == [
        ("1.1", ["办公室"], ["各科室"], "持续推进"), ("2.1", ["计财科"], [], "2024年12月")]


def test_sections_numbered_in_the_number_column_and_task_numbers_on_their_own_line(tmp_path, registry):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "工作任务", "工作措施", "负责科室"])
    ws.append(["一", "深化重点领域信息公开", None, None])
    ws.append(["1", "3\n财政信息", "公开部门预算。", "计财科"])
    ws.append(["2", None, "公开部门决算。", "计财科"])
    ws.append(["二", "加强解读回应", None, None])
    ws.append(["3", "4\n政策解读", "做好政策解读。", "办公室"])
    f = tmp_path / "p.xlsx"
    wb.save(str(f))
    p = import_plan(f, registry=registry)
    assert [s.title for s in p.sections] == ["一、深化重点领域信息公开", "二、加强解读回应"]
    assert [(r.id, r.text) for r in p.requirements()] == [("3.1", "公开部门预算。"), ("3.2", "公开部门决算。"),
                                                          ("4.1", "做好政策解读。")]
    assert [t.title for t in p.tasks()] == ["财政信息", "政策解读"]


def test_real_plan_imported_with_unknown_units_is_checked_and_reported_as_it_is(tmp_path):
    run = lambda *a: CliRunner().invoke(cli, ["--db", str(tmp_path / "z.db"), "--config", str(CONFIG), *a],
                                        catch_exceptions=False)
    out = tmp_path / "plan.yaml"
    r = run("plan", "import", str(REAL / "chizhou_xfj.docx"), "-o", str(out))
    assert r.exit_code == 0, r.output
    from crawler.store import Store

    Store(tmp_path / "z.db").close()   # a store nothing was crawled into (check never creates one)
    r = run("check", "--plan", str(out), "--as-of", "2023-12-31", "--json")
    assert r.exit_code == 0, r.output
    findings = json.loads(r.output)
    assert {f["requirement"] for f in findings} == {"1.1", "2.1", "3.1", "3.2", "4.1", "5.1", "6.1", "7.1"}
    assert any(f["units"] == ["各科室"] for f in findings)
    r = run("report", "--out", str(tmp_path / "site"), "--plan", str(out))
    assert r.exit_code == 0, r.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "各科室" in page            # unknown units' findings still appear (routed to the lead office)


def test_pdf_table_over_several_pages_with_the_header_repeated(tmp_path, registry):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    rows = [["序号", "工作任务", "具体要求", "责任单位"]]
    rows += [[str(i), f"任务{i}", f"第{i}项要求。", "办公室"] for i in range(1, 61)]
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light"), ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    f = tmp_path / "long.pdf"
    SimpleDocTemplate(str(f), pagesize=A4).build([table])
    p = import_plan(f, registry=registry)
    reqs = p.requirements()
    assert len(reqs) == 60 and reqs[-1].id == "60.1" and reqs[-1].text == "第60项要求。"


def test_a_task_row_without_requirements_does_not_shift_the_numbers(tmp_path, registry):
    f = tmp_path / "p.txt"
    f.write_text("\t工作任务\n\t具体要求\n\t责任单位\n"
                 "\t1．只有标题的任务\n\t\n\t\n"
                 "\t2．第二项任务\n\t要求甲。\n\t办公室\n"
                 "\t3．第三项任务\n\t要求乙。\n\t计财科\n", encoding="utf-8")
    p = import_plan(f, registry=registry)
    assert [r.id for r in p.requirements()] == ["2.1", "3.1"]
