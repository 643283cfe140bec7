"""An .xlsx 任务分解表 (openpyxl): every sheet is a table; merged ranges are expanded."""
from __future__ import annotations

import io

from ..errors import PlanError
from .grid import GridCell, Table


def xlsx_tables(data: bytes, source: str) -> list[Table]:
    import openpyxl
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:
        raise PlanError(source, None, "(file)", f"not a readable .xlsx file ({e.__class__.__name__}: {e})") from None
    tables = []
    for ws in wb.worksheets:
        values = [[("" if v is None else str(v)).strip() for v in row] for row in ws.iter_rows(values_only=True)]
        merged: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        merged[(r, c)] = (rng.min_row, rng.min_col)
        rows = []
        for rn, vals in enumerate(values, 1):
            row = []
            for cn, v in enumerate(vals, 1):
                top = merged.get((rn, cn))
                if top:
                    text = values[top[0] - 1][top[1] - 1] if top[1] - 1 < len(values[top[0] - 1]) else ""
                    row.append(GridCell(text, rn, merged=top[0] < rn, spanned=top[0] == rn))
                else:
                    row.append(GridCell(v, rn))
            rows.append(row)
        title = next((r[0].text for r in rows[:5] if r and r[0].text and sum(1 for c in r if c.text and not c.spanned) == 1),
                     None)
        tables.append(Table(rows, where=f"sheet {ws.title!r} row", title=title or wb.properties.title or ws.title))
    return tables
