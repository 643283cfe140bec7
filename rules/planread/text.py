"""The text export of the Word table (``work-plan-2020.txt``).

A line starting with a tab starts a cell (several tab-separated cells may share a line), a line without
one continues the current cell; blank lines are continuation lines too (a task cell may be split over
lines and blank lines). Lines before the first cell are cover text (the notice publishing the plan).
Rows are a section heading (one cell, ``一、…``) or as many cells as the header row names (three when
there is no header: task, requirement, units).
"""
from __future__ import annotations

import re

from ..errors import PlanError
from .grid import SECTION_RE, Columns, GridCell, Table, find_header, header_role

_CELL_START = re.compile(r"^[ \u3000]*\t")


def text_table(text: str, source: str) -> tuple[Table, Columns]:
    cells: list[tuple[int, list[str]]] = []
    cover: list[str] = []
    for n, raw in enumerate(text.splitlines(), 1):
        raw = raw.rstrip("\r")
        if _CELL_START.match(raw):
            for part in raw.split("\t")[1:]:
                cells.append((n, [part.rstrip()]))
        elif cells:
            cells[-1][1].append(raw.rstrip())
        elif raw.strip():
            cover.append(raw.strip())
    if not cells:
        raise PlanError(source, 1, "table", "not a work-plan table: no table with a 具体要求/责任单位 header "
                        "found (no table cells: lines starting with a tab)")
    gcells = [GridCell("\n".join(lines).strip(), n) for n, lines in cells]
    # the header row: the leading cells naming columns
    width = 0
    while width < len(gcells) and width < 8 and header_role(gcells[width].text):
        width += 1
    rows: list[list[GridCell]] = []
    if width >= 2:
        rows.append(gcells[:width])
        i = width
    else:
        width, i = 3, 0
    while i < len(gcells):
        c = gcells[i]
        if SECTION_RE.match(c.joined):
            rows.append([c])
            i += 1
            continue
        row = gcells[i:i + width]
        if not c.text and all(not x.text for x in row):
            i += len(row)                      # an empty row, or trailing blank cells
            continue
        if len(row) < width:
            raise PlanError(source, c.line, "row", f"incomplete row: expected {width} cells, found {len(row)}")
        rows.append(row)
        i += width
    table = Table(rows, where="line", title=next((x for x in cover if "要点" in x or "计划" in x or "清单" in x), None),
                  cover="\n".join(cover))
    if width == 3 and not header_role(rows[0][0].text if rows and rows[0] else ""):
        # no header row: the export's three columns by position
        table.rows.insert(0, [GridCell("工作任务", 0), GridCell("具体要求", 0), GridCell("责任单位", 0)])
    cols = find_header(table)
    return table, cols
