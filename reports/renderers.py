"""Reporters: small classes registered by kind (urlwatch-style), each turning the report model into a file.

* per-unit reporters (``scope = "unit"``): ``html``, ``xlsx``, ``txt`` → ``DIR/units/<unit>.<suffix>``
* site reporters (``scope = "site"``): ``dashboard`` → ``DIR/index.html`` and ``DIR/requirements/<id>.html``

Crawled text is untrusted: every HTML template is autoescaped, only http(s) URLs become links, and every
XLSX text cell that a spreadsheet would read as a formula is neutralised.
"""
from __future__ import annotations

import io
import re
import urllib.parse
from pathlib import Path
from typing import ClassVar

import jinja2
from markupsafe import Markup

from . import charts
from crawler.vocabulary import STATUS_ORDER

from .columns import column_sources, limits_note
from .actions import plain, staff_text
from .model import SHARED_COLUMN, Finding, ReportModel, UnitView, unit_filename
from .safetext import clean_text
from .statuses import STATUS_COLOURS, STATUS_SYMBOLS, status_label

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


# --- the Jinja environment ------------------------------------------------------------------------

def safe_url(url) -> str | None:
    """The URL if it is http(s); None for javascript:, data:, relative junk … (shown as text instead)."""
    if not url:
        return None
    url = str(url).strip()
    try:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def unit_href(name: str) -> str:
    return urllib.parse.quote(unit_filename(name)) + ".html"


def req_href(rid: str) -> str:
    return urllib.parse.quote(unit_filename(str(rid))) + ".html"


_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """One environment: autoescape ON for .html and for anything unknown; off only for plain-text templates
    (``*.txt``), which are never shown as HTML (escaping would turn < into &lt; in a text file)."""
    global _ENV
    if _ENV is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "svg"),
                                                disabled_extensions=("txt",), default_for_string=True, default=True),
            undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
            finalize=clean_text)   # NUL out, bidi controls visible, in every output (reports/safetext.py)
        env.filters.update(label=status_label, symbol=lambda s: STATUS_SYMBOLS.get(s, ""), safe_url=safe_url,
                           unit_href=unit_href, req_href=req_href, unit_file=unit_filename,
                           plain=staff_text)   # Chinese words, no commands: templates are for staff
        env.globals.update(statuses=STATUS_ORDER)
        _ENV = env
    return _ENV


def static_text(name: str) -> Markup:
    """A file from reports/static, to inline in a page (our own file, not crawled text)."""
    return Markup((STATIC / name).read_text(encoding="utf-8"))


def _anchors(findings: list[Finding]) -> dict:
    """Finding id → requirement id, for the first finding of each requirement on a page (matrix links)."""
    out, seen = {}, set()
    for f in findings:
        if f.requirement.id not in seen:
            seen.add(f.requirement.id)
            out[f.id] = f.requirement.id
    return out


def _page_findings(view: UnitView) -> list[Finding]:
    return [f for _, _, items in view.sections for f in items] + list(view.shared)


# --- the registry -----------------------------------------------------------------------------------

class Reporter:
    """Base class: subclasses set ``__kind__`` and are registered automatically."""

    __kind__: ClassVar[str | None] = None
    scope: ClassVar[str] = "unit"
    suffix: ClassVar[str] = ""
    registry: ClassVar[dict[str, type["Reporter"]]] = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.__kind__:
            Reporter.registry[cls.__kind__] = cls

    def __init__(self, model: ReportModel):
        self.model = model
        self.env = environment()

    def context(self, **extra) -> dict:
        ctx = {"m": self.model, "plan": self.model.plan, "css": static_text("zwgk.css"), "root": "",
               "unit_name": None, "anchors": {}}
        ctx.update(extra)
        return ctx

    # per-unit reporters
    def render_unit(self, view: UnitView) -> bytes:
        raise NotImplementedError

    def unit_path(self, out_dir: Path, view: UnitView) -> Path:
        return Path(out_dir) / "units" / f"{unit_filename(view.name)}{self.suffix}"

    def write_unit(self, out_dir: Path, view: UnitView) -> Path:
        path = self.unit_path(out_dir, view)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.render_unit(view))
        return path

    # site reporters
    def write_site(self, out_dir: Path) -> list[Path]:
        raise NotImplementedError


class HtmlReporter(Reporter):
    __kind__ = "html"
    suffix = ".html"

    def render_unit(self, view: UnitView) -> bytes:
        page = self.env.get_template("unit.html").render(self.context(
            u=view, root="../", unit_name=view.name, anchors=_anchors(_page_findings(view))))
        return page.encode("utf-8")


class TextReporter(Reporter):
    __kind__ = "txt"
    suffix = ".txt"

    def render_text(self, view: UnitView) -> str:
        text = self.env.get_template("unit.txt").render(self.context(u=view, unit_name=view.name))
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

    def render_unit(self, view: UnitView) -> bytes:
        return self.render_text(view).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _problem(e) -> str:
    """A document's problem for the evidence sheet; a broken link's address after its name."""
    text = staff_text(e.problem)
    return f"{text}；失效地址：{e.link}" if e.link else text


def neutralise(value):
    """A text cell a spreadsheet could read as a formula (= + - @, also tab/CR) gets a leading apostrophe;
    characters XLSX cannot hold are dropped."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    value = clean_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


class XlsxReporter(Reporter):
    __kind__ = "xlsx"
    suffix = ".xlsx"

    FINDING_HEADER = ["要求编号", "工作任务", "具体要求", "状态", "状态代码", "检查项", "责任单位（计划）",
                      "截止日期", "问题/说明", "建议措施", "证据数", "备注"]
    EVIDENCE_HEADER = ["要求编号", "状态", "检查项", "证据标题", "发布日期", "链接", "问题"]
    FINDING_WIDTHS = [9, 22, 60, 11, 11, 16, 24, 12, 50, 50, 8, 24]
    EVIDENCE_WIDTHS = [9, 11, 16, 60, 12, 60, 24]

    def render_unit(self, view: UnitView) -> bytes:
        return self.workbook_bytes(view.findings + view.shared, unit_name=view.name)

    def workbook_bytes(self, findings: list[Finding], unit_name: str | None = None) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter


        wb = Workbook()
        ws = wb.active
        ws.title = "发现"
        ev = wb.create_sheet("证据")
        header_font = Font(bold=True)
        header_fill = PatternFill("solid", fgColor="DDE3EA")
        wrap = Alignment(wrap_text=True, vertical="top")

        def header(sheet, names, widths):
            sheet.append(names)
            for i, (cell, width) in enumerate(zip(sheet[1], widths), start=1):
                cell.font, cell.fill = header_font, header_fill
                sheet.column_dimensions[get_column_letter(i)].width = width
            sheet.freeze_panes = "A2"

        header(ws, self.FINDING_HEADER, self.FINDING_WIDTHS)
        header(ev, self.EVIDENCE_HEADER, self.EVIDENCE_WIDTHS)
        r = er = 1   # rows written (openpyxl's max_row scans every cell: quadratic over a sheet)
        for f in findings:
            note = []
            if f.unassigned:
                note.append(f"未分配，转{self.model.lead}")
            if unit_name and unit_name in f.shared:
                note.append("全局共性事项：无法确定所属科室，发送给全部成员单位")
            elif unit_name and f.via.get(unit_name):
                note.append(f"经“{f.via[unit_name]}”转本单位")
            row = [f.requirement.id, f.requirement.task_title, f.requirement.text, status_label(f.status), f.status,
                   f.check, "、".join(f.units) or "未指定", f.due or (f.due_text or None), staff_text(f.summary),
                   f.action_for(unit_name) if f.status != "met" else "", len(f.evidence), "；".join(note)]
            ws.append([neutralise(v) for v in row])
            r += 1
            ws.cell(r, 8).number_format = "yyyy-mm-dd"
            fill, _ = STATUS_COLOURS.get(f.status, ("#FFFFFF", ""))
            ws.cell(r, 4).fill = PatternFill("solid", fgColor=fill.lstrip("#").upper())
            for c in (2, 3, 9, 10):
                ws.cell(r, c).alignment = wrap
            for e in f.evidence:
                ev.append([neutralise(v) for v in (f.requirement.id, status_label(f.status), f.check, staff_text(e.title),
                                                   e.published or (e.published_text or None), e.url,
                                                   _problem(e) if e.at_fault else "")])
                er += 1
                ev.cell(er, 5).number_format = "yyyy-mm-dd"
                for column, url in ((6, e.url), (7, e.link)):   # the problem's cell links to the broken URL
                    link = safe_url(url) if url else None
                    if link:
                        ev.cell(er, column).hyperlink = link
                        ev.cell(er, column).style = "Hyperlink"
        ws.column_dimensions["E"].hidden = True  # 状态代码 (gap, met …): for filters and scripts, not for staff
        ws.auto_filter.ref = f"A1:{get_column_letter(len(self.FINDING_HEADER))}{r}"
        ev.auto_filter.ref = f"A1:{get_column_letter(len(self.EVIDENCE_HEADER))}{er}"
        wb.properties.creator = "zwgk"
        wb.properties.title = f"{unit_name or '全部单位'} 政务公开检查结果（截至{self.model.as_of}）"
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


# --- the dashboard --------------------------------------------------------------------------------------

class DashboardReporter(Reporter):
    __kind__ = "dashboard"
    scope = "site"

    def matrix(self) -> list[dict]:
        m = self.model
        units = m.matrix_units
        rows = []
        for req in m.requirements:
            rows.append({"req": req, "status": m.requirement_status(req.id),
                         "unassigned": any(f.unassigned for f in m.requirement_findings(req.id)),
                         "cells": [(u, m.cell(req.id, u)) for u in units]})
        return rows

    def render_index(self) -> str:
        m = self.model
        return self.env.get_template("index.html").render(self.context(
            js=static_text("zwgk.js"), matrix=self.matrix(), matrix_units=m.matrix_units, shared_column=SHARED_COLUMN,
            unit_rows=[v for v in m.units.values() if v.findings or v.shared],
            groups=sorted(m.router.groups.items()), unknown_units=sorted(m.router.unknown),
            trend_svg=charts.gap_trend(m.history) if len(m.history) >= 1 else None,
            submissions_svg=charts.submissions(m.submissions),
            sources=column_sources(m.columns, site_order=("bureau", "province", "city", "district")),
            column_limits=limits_note(m.findings)))

    def render_requirement(self, rid: str) -> str:
        m = self.model
        return self.env.get_template("requirement.html").render(self.context(
            r=m.plan.get(rid), findings=m.requirement_findings(rid), status=m.requirement_status(rid), root="../",
            cells=[(u, c) for u in m.matrix_units if (c := m.cell(rid, u))]))

    def write_site(self, out_dir: Path) -> list[Path]:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        index = out_dir / "index.html"
        index.write_text(self.render_index(), encoding="utf-8")
        written.append(index)
        (out_dir / "requirements").mkdir(exist_ok=True)
        for req in self.model.requirements:
            p = out_dir / "requirements" / f"{unit_filename(req.id)}.html"
            p.write_text(self.render_requirement(req.id), encoding="utf-8")
            written.append(p)
        return written


UNIT_KINDS = ("html", "xlsx", "txt")


def reporter(kind: str, model: ReportModel) -> Reporter:
    try:
        return Reporter.registry[kind](model)
    except KeyError:
        raise KeyError(f"unknown report kind {kind!r} (known: {', '.join(sorted(Reporter.registry))})") from None


__all__ = ["Reporter", "HtmlReporter", "TextReporter", "XlsxReporter", "DashboardReporter", "reporter",
           "environment", "neutralise", "safe_url", "unit_href", "UNIT_KINDS"]
