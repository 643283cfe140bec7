"""A .docx holding the plan table (python-docx): merged cells expanded, the title and the cover text
(paragraphs before the table) kept apart."""
from __future__ import annotations

import io

from ..errors import PlanError
from .grid import GridCell, Table


def docx_tables(data: bytes, source: str) -> list[Table]:
    try:
        import docx
        from docx.table import _Cell
    except ImportError as e:  # pragma: no cover
        raise PlanError(source, None, "(file)", f"python-docx is needed to read .docx files ({e})") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # zipfile.BadZipFile, KeyError, lxml errors …
        raise PlanError(source, None, "(file)", f"not a readable .docx file ({e.__class__.__name__}: {e})") from None
    paras = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    title = next((p for p in paras if any(w in p for w in ("要点", "计划", "清单", "任务", "分工", "方案"))),
                 paras[0] if paras else None)
    if not document.tables:
        raise PlanError(source, None, "(file)", "not a work-plan document: it holds no table")
    tables = []
    for table in _all_tables(document.tables):
        rows: list[list[GridCell]] = []
        above: list[GridCell] = []
        for rn, row in enumerate(table.rows, 1):
            out: list[GridCell] = []
            for tc in row._tr.tc_lst:
                span = tc.grid_span or 1
                col = len(out)
                if tc.vMerge == "continue":
                    src = above[col] if col < len(above) else GridCell("", rn)
                    c = GridCell(src.text, rn, merged=True)
                else:
                    c = GridCell(_Cell(tc, table).text.strip(), rn)
                out.append(c)
                for _ in range(span - 1):
                    out.append(GridCell(c.text, rn, merged=c.merged, spanned=True))
            rows.append(out)
            above = out
        tables.append(Table(rows, where="table row", title=title, cover="\n".join(paras)))
    return tables


def _all_tables(tables):
    for t in tables:
        yield t
        for row in t.rows:
            for c in row.cells:
                yield from _all_tables(c.tables)
