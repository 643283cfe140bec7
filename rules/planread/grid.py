"""The table normaliser: a plan table of any layout → sections, tasks, requirements.

Every reader (text export, .docx, .xlsx, .html, .pdf) hands over tables as rows of ``GridCell`` with
merged cells already expanded: a cell merged down from the row above is ``merged`` (its text is the
text of the cell it continues), a cell spanned from the left is ``spanned``. From there one set of rules:

* the **header row** names the columns, in any order; extra columns are ignored (``ROLES`` lists the
  words of each role; the longest word found in a header cell wins, so 任务分工 is units, not task);
* a **section** row is one heading (``一、…``) across the row; sections are optional;
* a **task** cell that is empty or merged from above continues the task; numbered (``1．…``) or not;
* **units** are split on 、，,；; and line breaks, never inside brackets; 牵头/配合 columns or phrases
  keep lead units (``units``) and partner units (``partners``);
* requirement ids are ``task.n`` in the plan's order; tasks keep the plan's own numbers when they rise
  strictly, otherwise (numbering restarted per section, or none) they are numbered 1, 2, 3 ….
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import PlanError
from ..plan import Plan, Requirement, Section, Task, split_units

SECTION_RE = re.compile(r"^([一二三四五六七八九十]+)\s*[、．.]\s*(.+)$", re.S)
TASK_RE = re.compile(r"^([0-9０-９]+)\s*[．.、，,]\s*(.*)$", re.S)
# （一） / (1) / 一是 / 第一项 prefixes of an unnumbered task's title
TASK_PREFIX = re.compile(r"^(?:[（(]\s*[一二三四五六七八九十0-9０-９]+\s*[）)]|[一二三四五六七八九十]+是|"
                         r"第[一二三四五六七八九十0-9]+[项条]|[0-9０-９]+\s*[)）])\s*")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_NUMBER = re.compile(r"^([一二三四五六七八九十]+)[、.．]?$")
_BLANK = re.compile(r"[\s\u3000]+")

# role → header words (any order; the longest contained word wins)
ROLES: dict[str, tuple[str, ...]] = {
    "task": ("工作任务", "重点任务", "工作要点", "主要任务", "任务名称", "工作事项", "公开事项", "任务", "项目"),
    "requirement": ("具体要求", "工作内容", "主要内容", "具体措施", "工作措施", "具体任务", "任务内容", "工作要求",
                    "具体内容", "目标要求", "内容"),
    "units": ("责任单位", "责任科室", "责任处室", "牵头单位", "牵头科室", "牵头处室", "负责科室", "负责单位",
              "任务分工", "责任部门", "牵头部门", "承办单位", "责任股室", "责任人", "责任主体", "公开主体",
              "实施主体", "责任科（室）", "负责部门"),
    "partners": ("配合单位", "配合科室", "配合处室", "配合部门", "协办单位", "参与单位"),
    "deadline": ("时限要求", "完成时限", "完成时间", "时间节点", "时间要求", "进度安排", "完成期限", "时限", "期限"),
    "number": ("序号", "编号"),
}
HEADER_HINT = "具体要求/责任单位"


@dataclass
class GridCell:
    text: str
    line: int                 # a text line (text export) or the table row (1-based)
    merged: bool = False      # continues the cell above (vertical merge)
    spanned: bool = False     # continues the cell to the left (horizontal merge)

    @property
    def joined(self) -> str:
        """The cell's lines joined without separator (Chinese text broken over lines)."""
        return "".join(x.strip() for x in self.text.splitlines()).strip()


@dataclass
class Table:
    rows: list[list[GridCell]]
    where: str = "row"                    # how a row is named in errors: "line", "table row", "row" …
    title: str | None = None              # text before the table that looks like the plan's title
    cover: str = ""                       # all text before the table (the notice that publishes the plan)


@dataclass
class Columns:
    roles: dict[str, list[int]] = field(default_factory=dict)   # role → column indexes
    header_row: int = 0


def norm(s: str) -> str:
    return _BLANK.sub("", s or "")


_BRACKETED = re.compile(r"[（(][^）)]*[）)]")


def header_role(text: str) -> str | None:
    """The role a header cell names: a role word, alone or with a few characters around it (主要工作任务,
    责任单位（科室）); the longest word wins. Data (只有标题的任务, 1．…) is not a header."""
    t = _BRACKETED.sub("", norm(text)).strip("：:*")
    if not t or len(t) > 12 or t[0].isdigit():
        return None
    best, size = None, 0
    for role, words in ROLES.items():
        for w in words:
            if len(w) > size and (t == w or ((t.startswith(w) or t.endswith(w)) and len(t) <= len(w) + 3)):
                best, size = role, len(w)
    return best


def find_header(table: Table, *, scan: int = 12) -> Columns | None:
    """The first row (of the first *scan*) naming a requirement (or task) column and a units column."""
    for i, row in enumerate(table.rows[:scan]):
        roles: dict[str, list[int]] = {}
        for j, c in enumerate(row):
            role = header_role(c.text)
            if role:
                roles.setdefault(role, []).append(j)
        if ("requirement" in roles or "task" in roles) and ("units" in roles or "partners" in roles) \
                and len(roles) >= 2:
            header = i
            # a second header row under merged cells (责任单位 over 牵头单位 | 配合单位) refines the roles
            if i + 1 < len(table.rows):
                sub = {j: header_role(c.text) for j, c in enumerate(table.rows[i + 1])
                       if c.joined and not c.merged}
                if sub and all(sub.values()):
                    for j, role in sub.items():
                        for cols in roles.values():
                            if j in cols:
                                cols.remove(j)
                        roles.setdefault(role, []).append(j)
                    roles = {k: sorted(v) for k, v in roles.items() if v}
                    header = i + 1
            return Columns(_split_shared(roles, table.rows[header + 1:]), header)
    return None


def _numeric(s: str) -> bool:
    return bool(re.fullmatch(r"[0-9０-９]+[.．、]?", norm(s)))


def _split_shared(roles: dict[str, list[int]], body: list[list[GridCell]]) -> dict[str, list[int]]:
    """A header cell spanning two columns (具体要求 over 序号 + text): the all-number column is the
    number, the other keeps the role. Only the first column of each other role is kept."""
    out: dict[str, list[int]] = {}
    for role, cols in roles.items():
        if len(cols) > 1 and role != "number":
            nums = [j for j in cols if all(_numeric(r[j].text) for r in body if j < len(r) and norm(r[j].text))
                    and any(j < len(r) and norm(r[j].text) for r in body)]
            if nums and "number" not in roles and "number" not in out:
                out["number"] = nums[:1]
            rest = [j for j in cols if j not in nums] or cols
            # the widest-text column is the role's (a spanned header over a short code column)
            rest.sort(key=lambda j: -sum(len(norm(r[j].text)) for r in body if j < len(r)))
            out[role] = rest[:1]
        else:
            out[role] = cols[:1] if role != "units" else cols
    return out


def cell(row: list[GridCell], cols: dict[str, list[int]], role: str) -> GridCell | None:
    for j in cols.get(role, []):
        if j < len(row):
            return row[j]
    return None


# --- units -----------------------------------------------------------------------------------------

_LEAD_TAG = re.compile(r"(牵头(?:单位|科室|处室|部门)?|责任(?:单位|科室))\s*[:：]")
_PARTNER_TAG = re.compile(r"(配合(?:单位|科室|处室|部门)?|协办(?:单位)?|参与(?:单位)?)\s*[:：]")
_LEAD_SUFFIX = re.compile(r"[（(]?牵头[)）]?$")
_PARTNER_SUFFIX = re.compile(r"[（(]?(配合|参与|协办)[)）]?$")


def lead_and_partners(text: str) -> tuple[list[str], list[str]]:
    """Units of a cell: ``牵头单位：A；配合单位：B、C``, ``A牵头，B配合``, ``A（牵头）`` or a plain list."""
    lead, partners = [], []
    if _LEAD_TAG.search(text) or _PARTNER_TAG.search(text):
        parts = re.split(r"(?=(?:牵头|责任|配合|协办|参与)(?:单位|科室|处室|部门)?\s*[:：])", text)
        for p in parts:
            if _PARTNER_TAG.match(p.strip()):
                partners += split_units(_PARTNER_TAG.sub("", p, count=1))
            else:
                lead += split_units(_LEAD_TAG.sub("", p, count=1))
        return lead, partners
    for name in split_units(text):
        if _PARTNER_SUFFIX.search(name) and len(name) > 3:
            partners.append(_PARTNER_SUFFIX.sub("", name))
        else:
            lead.append(_LEAD_SUFFIX.sub("", name) if len(name) > 3 else name)
    return lead, partners


def _strip_unit(name: str) -> str:
    return name.strip("。.；;：:").strip()


# --- the plan --------------------------------------------------------------------------------------

def _section_text(row: list[GridCell]) -> str | None:
    """The heading of a section row: one text across the row (merged, or the other cells empty)."""
    texts = [c.joined for c in row if c.joined and not c.merged]
    if texts and all(t == texts[0] for t in texts) and SECTION_RE.match(texts[0]):
        return texts[0]
    return None


def _task_title(text: str) -> tuple[int | None, str]:
    m = TASK_RE.match(text)
    if m:
        return int(m.group(1).translate(_FULLWIDTH)), m.group(2).strip()
    return None, TASK_PREFIX.sub("", text).strip()


def build_plan(table: Table, source: str, *, registry=None, lead: str = "办公室",
               columns: Columns | None = None, strict_text: bool = False) -> Plan:
    """Sections, tasks and requirements of *table*; raises PlanError naming file and row."""
    cols = columns or find_header(table)
    where = table.where

    def err(line, fieldname, problem):
        if where == "line":
            return PlanError(source, line, fieldname, problem)
        return PlanError(source, None, f"{where} {line}: {fieldname}", problem)

    if cols is None:
        first = table.rows[0][0].line if table.rows and table.rows[0] else 1
        raise err(first, "table", f"not a work-plan table: no table with a {HEADER_HINT} header found")
    roles = cols.roles
    req_role = "requirement" if "requirement" in roles else "task"
    sections: list[Section] = []
    task: Task | None = None
    tasks: list[Task] = []
    own_numbers: dict[int, int | None] = {}   # id(task) → the number the plan gives it
    last: Requirement | None = None
    header_texts = [c.joined for c in table.rows[cols.header_row]]
    for row in table.rows[cols.header_row + 1:]:
        if not any(c.joined for c in row):
            continue
        if [c.joined for c in row] == header_texts or all(header_role(c.text) or not c.joined for c in row):
            continue   # the header repeated (on each page of a PDF, or a sub-header row)
        heading = _section_text(row)
        ncell = cell(row, roles, "number")
        if heading is None and ncell is not None and _CN_NUMBER.match(ncell.joined):
            others = [c.joined for c in row if c is not ncell and c.joined and not c.merged]
            if len(set(others)) == 1:   # 一 | 聚焦重点领域 | | : a section numbered in the 序号 column
                heading = f"{_CN_NUMBER.match(ncell.joined).group(1)}、{others[0]}"
        if heading is not None:
            sections.append(Section(title=heading, line=row[0].line))
            task, last = None, None
            continue
        if all(c.merged or not c.joined for c in row):
            continue   # a row that only continues merged cells
        rcell = cell(row, roles, req_role)
        tcell = cell(row, roles, "task") if req_role == "requirement" else None
        rtext = rcell.joined if rcell is not None and not (rcell.merged and req_role == "requirement") else ""
        # the task: a new cell starts a task; an empty or merged one continues it
        ttext = tcell.joined if tcell is not None and not tcell.merged else ""
        if ttext:
            lines = [x.strip() for x in tcell.text.splitlines() if x.strip()]
            if len(lines) > 1 and lines[0].translate(_FULLWIDTH).isdigit():   # "1" over the title
                lines = [lines[0] + "．" + "".join(lines[1:])]
                ttext = lines[0]
            if SECTION_RE.match(lines[0]) and (len(lines) > 1 or rtext):
                # a heading sharing its row with the first task (or standing in for the task)
                sections.append(Section(title=lines[0], line=tcell.line))
                ttext = "".join(lines[1:]) or SECTION_RE.match(lines[0]).group(2).strip()
        if req_role == "task":   # no requirement column: every row is a task with one requirement
            ttext = rtext
        if ttext:
            number, title = _task_title(ttext)
            if task is not None and title == task.title and (number is None or number == own_numbers.get(id(task))):
                pass   # the same task cell repeated on the next row (a merge read row by row)
            else:
                if not title:
                    raise err(tcell.line, "task", f"task {number} has no title")
                if not sections:
                    sections.append(Section(title="", line=None))
                task = Task(number=0, title=title, line=(tcell or rcell).line)
                tasks.append(task)
                own_numbers[id(task)] = number
                sections[-1].tasks.append(task)
        if not rtext:
            if rcell is not None and rcell.merged and last is not None:
                _add_units(last, row, roles, registry)   # one requirement shared by several unit rows
                continue
            ucell = cell(row, roles, "units")
            if ttext and req_role == "requirement" and not (ucell is not None and ucell.joined and not ucell.merged):
                continue   # a task row without a requirement of its own (its requirements follow)
            line = (rcell or row[0]).line
            raise err(line, "requirement", "a row without requirement text"
                      + (f" in task {task.title[:12]!r}" if task else ""))
        if strict_text and SECTION_RE.match(rtext):
            raise err(rcell.line, "requirement", "expected requirement text, found what looks like a "
                      f"heading {rtext[:40]!r}: is a cell missing in the row above?")
        if task is None:
            if tcell is not None:
                raise err(tcell.line, "task", "a requirement row without a task: the first row "
                          "must name its task")
            if not sections:
                sections.append(Section(title="", line=None))
            task = Task(number=0, title=sections[-1].title or rtext[:20], line=rcell.line)
            tasks.append(task)
            own_numbers[id(task)] = None
            sections[-1].tasks.append(task)
        req = Requirement(id="", task=0, order=len(task.requirements) + 1, text=rtext, units=[],
                          line=rcell.line)
        dcell = cell(row, roles, "deadline")
        req.deadline = dcell.joined if dcell is not None and dcell.joined else None
        _add_units(req, row, roles, registry)
        task.requirements.append(req)
        last = req
    tasks = [t for t in tasks if t.requirements]
    if not tasks:
        raise err(table.rows[-1][0].line if table.rows and table.rows[-1] else 1, "table",
                  "not a work-plan table: a header row but no requirements below it")
    _number(tasks, own_numbers)
    plan = Plan(sections=[s for s in sections if any(t.requirements for t in s.tasks)])
    for s in plan.sections:
        s.tasks = [t for t in s.tasks if t.requirements]
    for r in plan.requirements():
        if not r.units:
            r.units, r.unassigned = [_canonical(lead, registry)[0]], True
    plan.unknown_units = _unknown(plan, registry)
    return plan


def _number(tasks: list[Task], own: dict[int, int | None]) -> None:
    """The plan's own task numbers when every task has one and they rise strictly, else 1, 2, 3 …"""
    numbers = [own.get(id(t)) for t in tasks]
    rising = all(n is not None for n in numbers) and all(b > a for a, b in zip(numbers, numbers[1:]))
    for i, t in enumerate(tasks, 1):
        t.number = numbers[i - 1] if rising else i
        for r in t.requirements:
            r.task, r.id = t.number, f"{t.number}.{r.order}"


def _canonical(name: str, registry) -> tuple[str, bool]:
    if registry is None:
        return name, True
    try:
        return registry.canonical(name), True
    except KeyError:
        return name, False


def _add_units(req: Requirement, row: list[GridCell], roles, registry) -> None:
    for role in ("units", "partners"):
        for j in roles.get(role, []):
            if j >= len(row) or row[j].spanned:
                continue
            lead_names, partner_names = lead_and_partners(row[j].text)
            if role == "partners":
                partner_names, lead_names = lead_names + partner_names, []
            for names, target in ((lead_names, req.units), (partner_names, req.partners)):
                for name in names:
                    name = _canonical(_strip_unit(name), registry)[0]
                    if name and name not in req.units and name not in target:
                        target.append(name)


def _unknown(plan: Plan, registry) -> list[str]:
    if registry is None:
        return []
    out: list[str] = []
    for r in plan.requirements():
        for name in r.units + r.partners:
            if registry.get(name) is None and name not in out:
                out.append(name)
    return out
