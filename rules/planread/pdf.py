"""A PDF whose table has text (pdfplumber). A table continued on the next pages (no header repeated,
same number of columns) is read as one; a cell pdfplumber reports as None is merged from above."""
from __future__ import annotations

import io

from ..errors import PlanError
from .grid import GridCell, Table


def pdf_tables(data: bytes, source: str) -> list[Table]:
    import pdfplumber
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:
        raise PlanError(source, None, "(file)", f"not a readable PDF ({e.__class__.__name__}: {e})") from None
    raw: list[list[list[str | None]]] = []
    first_text = ""
    with pdf:
        for page in pdf.pages:
            if not first_text:
                first_text = (page.extract_text() or "").strip()
            for t in page.extract_tables():
                if raw and raw[-1] and t and len(t[0]) == len(raw[-1][0]):
                    raw[-1].extend(t)   # the table goes on from the page before
                else:
                    raw.append(t)
    if not raw and not first_text:
        raise PlanError(source, None, "(file)", "the PDF has no text (a scan?): no table can be read from it")
    title = next((x.strip() for x in first_text.splitlines() if x.strip()), None)
    tables = []
    for t in raw:
        rows, above = [], []
        for rn, r in enumerate(t, 1):
            row = []
            for cn, v in enumerate(r):
                if v is None:
                    src = above[cn].text if cn < len(above) else ""
                    left = row[-1].text if row else ""
                    # pdfplumber gives None for both merges; a None next to text on its left is a colspan
                    row.append(GridCell(src, rn, merged=True) if rn > 1 else GridCell(left, rn, spanned=True))
                else:
                    row.append(GridCell(v.strip(), rn))
            rows.append(row)
            above = row
        tables.append(Table(rows, where="table row", title=title, cover=first_text[:2000]))
    return tables
