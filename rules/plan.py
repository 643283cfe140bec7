"""The work plan (政务公开工作要点) as data, and its import from a Word table.

A plan is sections → tasks → requirements; each requirement has an id ``<task>.<order>`` (1-based), its
text and its responsible units (canonical names when a unit registry is given). The catalogue
(rules/plans/<year>.yaml, see rules/catalogue.py) is the same shape plus the checks of each requirement.

Two inputs are read:

* the **text export** of the Word table (``work-plan-2020.txt``): a line starting with a tab starts a
  cell (several tab-separated cells may share a line), a line without one continues the current cell;
  blank lines are continuation lines too (a task cell may be split over lines and blank lines). Rows
  are a section heading (one cell, ``一、…``) or three cells: task (``1．…`` / ``１.…``, or empty when the
  task goes on from the row above), requirement, units. A unit cell holds units on separate lines
  and/or joined by ``、`` — never split inside brackets: ``区直各学校（单位、幼儿园）`` is one unit;
* a **.docx** holding the table (python-docx): one row per table row, vertically merged task cells
  continue the task above.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import PlanError

SECTION_RE = re.compile(r"^([一二三四五六七八九十]+)\s*[、．.]\s*(.+)$", re.S)
TASK_RE = re.compile(r"^([0-9０-９]+)\s*[．.、，,]\s*(.*)$", re.S)
HEADER_WORDS = ("工作任务", "具体要求", "责任单位")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_BLANK = re.compile(r"[\s\u3000]+")
_OPEN, _CLOSE = "（(【[〔", "）)】]〕"


@dataclass
class Check:
    name: str
    kind: str
    params: dict[str, Any]
    units: list[str]
    line: int | None = None


@dataclass
class Requirement:
    id: str
    task: int
    order: int
    text: str
    units: list[str]
    unassigned: bool = False
    line: int | None = None
    checks: list[Check] = field(default_factory=list)


@dataclass
class Task:
    number: int
    title: str
    requirements: list[Requirement] = field(default_factory=list)
    line: int | None = None


@dataclass
class Section:
    title: str
    tasks: list[Task] = field(default_factory=list)
    line: int | None = None


@dataclass
class Plan:
    sections: list[Section]
    year: int | None = None
    title: str | None = None
    source: str | None = None
    horizon_days: int = 30

    def requirements(self) -> list[Requirement]:
        return [r for s in self.sections for t in s.tasks for r in t.requirements]

    def tasks(self) -> list[Task]:
        return [t for s in self.sections for t in s.tasks]

    def requirement(self, rid: str) -> Requirement | None:
        for r in self.requirements():
            if r.id == rid:
                return r
        return None

    def to_dict(self, *, checks: bool = False, meta: bool = False) -> dict:
        """The plan as plain data. ``meta`` adds year/title/source and the unassigned flags."""
        sections = []
        for s in self.sections:
            tasks = []
            for t in s.tasks:
                reqs = []
                for r in t.requirements:
                    d: dict[str, Any] = {"id": r.id, "text": r.text, "units": list(r.units)}
                    if r.unassigned:  # no unit in the plan: routed to the lead office
                        d["unassigned"] = True
                    if checks:
                        d["checks"] = [_check_dict(c, r) for c in r.checks]
                    reqs.append(d)
                tasks.append({"number": t.number, "title": t.title, "requirements": reqs})
            sections.append({"title": s.title, "tasks": tasks})
        if not meta:
            return {"sections": sections}
        out: dict[str, Any] = {}
        if self.year:
            out["year"] = self.year
        if self.title:
            out["title"] = self.title
        if self.source:
            out["source"] = self.source
        out["sections"] = sections
        return out


def _check_dict(c: Check, r: Requirement) -> dict:
    d: dict[str, Any] = {"name": c.name, "kind": c.kind}
    if c.units != r.units:
        d["units"] = list(c.units)
    if c.params:
        d["params"] = c.params
    return d


# --- cells ------------------------------------------------------------------------------------

@dataclass
class Cell:
    line: int                      # where the cell starts (text line, or table row for .docx)
    lines: list[tuple[int, str]]   # (line, text) of each of its lines

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.lines).strip()

    def joined(self) -> str:
        """Its lines joined without separator (Chinese text broken over lines)."""
        return "".join(t.strip() for _, t in self.lines).strip()


_CELL_START = re.compile(r"^[ \u3000]*\t")


def text_cells(text: str, source: str) -> list[Cell]:
    cells: list[Cell] = []
    for n, raw in enumerate(text.splitlines(), 1):
        raw = raw.rstrip("\r")
        if _CELL_START.match(raw):
            parts = raw.split("\t")[1:]
            for p in parts:
                cells.append(Cell(n, [(n, p.rstrip())]))
        elif cells:
            cells[-1].lines.append((n, raw.rstrip()))
        elif raw.strip():
            raise PlanError(source, n, "table", "not a work-plan table: expected a table cell "
                            f"(a line starting with a tab), found {_show(raw)}")
    return cells


def docx_cells(path: Path) -> tuple[list[Cell], str | None]:
    """Cells of the first table that looks like a plan, and the document's title paragraph."""
    try:
        import docx
        from docx.table import _Cell
    except ImportError as e:  # pragma: no cover
        raise PlanError(path, None, "(file)", f"python-docx is needed to read .docx files ({e})") from None
    try:
        document = docx.Document(str(path))
    except Exception as e:  # zipfile.BadZipFile, KeyError, lxml errors …
        raise PlanError(path, None, "(file)", f"not a readable .docx file ({e.__class__.__name__}: {e})") from None
    title = next((p.text.strip() for p in document.paragraphs if p.text.strip()), None)
    if not document.tables:
        raise PlanError(path, None, "(file)", "not a work-plan document: it holds no table")
    best: list[Cell] = []
    for table in document.tables:
        cells: list[Cell] = []
        for rn, row in enumerate(table.rows, 1):
            row_cells: list[Cell] = []
            for tc in row._tr.tc_lst:
                if tc.vMerge == "continue":
                    row_cells.append(Cell(rn, [(rn, "")]))
                    continue
                paras = _Cell(tc, table).text.split("\n")
                row_cells.append(Cell(rn, [(rn, p) for p in paras]))
            # A section heading is one cell, whether Word merged the row or left the other cells empty.
            texts = [c.text for c in row_cells if c.text]
            if texts and SECTION_RE.match(texts[0]) and all(t == texts[0] for t in texts):
                row_cells = [next(c for c in row_cells if c.text)]
            cells.extend(row_cells)
        if any(SECTION_RE.match(c.text) for c in cells):
            return cells, title
        best = best or cells
    return best, title


def _show(s: str, n: int = 40) -> str:
    s = s.strip()
    return repr(s if len(s) <= n else s[:n] + "…")


# --- units ------------------------------------------------------------------------------------

def split_units(cell_text: str) -> list[str]:
    """Unit names in a cell: one per line and/or joined by 、 (never split inside brackets)."""
    out: list[str] = []
    for line in cell_text.splitlines():
        depth, cur = 0, ""
        for ch in line:
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            if ch in "、，,；;" and depth == 0:
                out.append(cur)
                cur = ""
            else:
                cur += ch
        out.append(cur)
    return [_BLANK.sub("", u) for u in out if _BLANK.sub("", u)]


# --- parsing ----------------------------------------------------------------------------------

def _norm(s: str) -> str:
    return _BLANK.sub("", s)


def parse_cells(cells: list[Cell], source: str, *, registry=None, lead: str = "办公室",
                where: str = "line") -> Plan:
    def err(line, fieldname, problem):
        if where == "line":
            return PlanError(source, line, fieldname, problem)
        return PlanError(source, None, f"{where} {line}: {fieldname}", problem)

    if not cells:
        raise err(1, "table", "not a work-plan table: no table cells (lines starting with a tab) found")
    i = 0
    # the header row: up to three cells naming the columns
    while i < min(3, len(cells)) and any(w in _norm(cells[i].text) for w in HEADER_WORDS):
        i += 1
    sections: list[Section] = []
    task: Task | None = None
    numbers: set[int] = set()
    while i < len(cells):
        c = cells[i]
        text = c.text
        if not text and all(not x.text for x in cells[i:i + 3]):
            i += 3 if len(cells) - i >= 3 else len(cells) - i  # an empty row, or trailing blank cells
            continue
        m = SECTION_RE.match(text)
        if m:
            sections.append(Section(title=c.joined(), line=c.line))
            task = None
            i += 1
            continue
        if not sections:
            raise err(c.line, "section", "not a work-plan table: expected a section heading like "
                      f"'一、…' before the first task, found {_show(text)}")
        row = cells[i:i + 3]
        if len(row) < 3:
            raise err(c.line, "row", "incomplete row: expected three cells (task, requirement, units), "
                      f"found {len(row)}")
        tcell, rcell, ucell = row
        ttext = tcell.joined()
        if ttext:
            tm = TASK_RE.match(ttext)
            if not tm:
                raise err(tcell.line, "task", "expected a task number like '1．…' or an empty cell "
                          f"(the task goes on), found {_show(ttext)}")
            number = int(tm.group(1).translate(_FULLWIDTH))
            title = tm.group(2).strip()
            if task is not None and number == task.number and title == task.title:
                pass  # the same task cell repeated (a merged cell read row by row)
            else:
                if not title:
                    raise err(tcell.line, "task", f"task {number} has no title")
                if number in numbers or (numbers and number < max(numbers)):
                    raise err(tcell.line, "task", f"task number {number} comes after task {max(numbers)}")
                numbers.add(number)
                task = Task(number=number, title=title, line=tcell.line)
                sections[-1].tasks.append(task)
        elif task is None:
            raise err(tcell.line, "task", "a requirement row without a task: the first row of a section "
                      "must name its task (like '1．…')")
        rtext = rcell.joined()
        if not rtext:
            raise err(rcell.line, "requirement", f"task {task.number} has a row without requirement text")
        if SECTION_RE.match(rtext) or TASK_RE.match(rtext):
            raise err(rcell.line, "requirement", "expected requirement text, found what looks like a "
                      f"heading {_show(rtext)}: is a cell missing in the row above?")
        units: list[str] = []
        for ln, utext in ucell.lines:
            for name in split_units(utext):
                if registry is not None:
                    try:
                        name = registry.canonical(name)
                    except KeyError:
                        raise err(ln, "units", f"unknown unit {name!r} in requirement "
                                  f"{task.number}.{len(task.requirements) + 1} (not a name or alias "
                                  "in the configuration's units)") from None
                if name not in units:
                    units.append(name)
        unassigned = not units
        if unassigned:
            units = [registry.canonical(lead) if registry is not None else lead]
        order = len(task.requirements) + 1
        task.requirements.append(Requirement(
            id=f"{task.number}.{order}", task=task.number, order=order, text=rtext, units=units,
            unassigned=unassigned, line=rcell.line))
        i += 3
    sections = [s for s in sections if s.tasks] or sections
    if not any(t.requirements for s in sections for t in s.tasks):
        raise err(cells[-1].line, "table", "not a work-plan table: no requirements found")
    empty = [s for s in sections if not s.tasks]
    if empty:
        raise err(empty[0].line, "section", f"section {empty[0].title!r} has no tasks")
    return Plan(sections=sections)


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise PlanError(path, None, "(file)", "not a work-plan text export: the file is binary")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise PlanError(path, None, "(file)", "not UTF-8 or GB18030 text")


_YEAR = re.compile(r"(20\d\d)")


def import_plan(path: str | os.PathLike, *, registry=None, lead: str = "办公室",
                year: int | None = None) -> Plan:
    """Read a plan from a text export or a .docx; raises PlanError naming file and line."""
    path = Path(path)
    if not path.exists():
        raise PlanError(path, None, "(file)", "not found")
    title = None
    if path.suffix.lower() == ".docx":
        cells, title = docx_cells(path)
        plan = parse_cells(cells, str(path), registry=registry, lead=lead, where="table row")
    else:
        text = read_text(path)
        plan = parse_cells(text_cells(text, str(path)), str(path), registry=registry, lead=lead)
    plan.source = path.name
    plan.title = title
    if year is None:
        for s in (path.stem, title or ""):
            m = _YEAR.search(s)
            if m:
                year = int(m.group(1))
                break
    plan.year = year
    return plan


def summary_lines(plan: Plan) -> Iterable[str]:
    reqs = plan.requirements()
    yield (f"{plan.source or 'plan'}: {len(plan.sections)} sections, {len(plan.tasks())} tasks, "
           f"{len(reqs)} requirements")
    for s in plan.sections:
        yield s.title
        for t in s.tasks:
            yield f"  {t.number}. {t.title}"
            for r in t.requirements:
                mark = "（未指定责任单位）" if r.unassigned else ""
                text = r.text if len(r.text) <= 30 else r.text[:30] + "…"
                yield f"    {r.id:<5} {text}  → {'、'.join(r.units)}{mark}"
