"""Real attachment files (PDF / XLSX / DOCX) generated lazily from a spec and cached.

A spec is `{"title": str, "paras": [str], "tables": [(caption, [[cell, …], …])]}`. Output bytes are
deterministic: reportlab runs in invariant mode, and the OOXML zips are rewritten with fixed timestamps.
"""
from __future__ import annotations

import io
import re
import threading
import zipfile

MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_cache: dict[str, bytes] = {}
_lock = threading.Lock()
_FIXED = (2020, 1, 1, 0, 0, 0)


def render(fid: str, typ: str, spec: dict) -> bytes:
    key = f"{fid}.{typ}"
    with _lock:
        got = _cache.get(key)
    if got is not None:
        return got
    data = {"pdf": _pdf, "xlsx": _xlsx, "docx": _docx}[typ](spec)
    with _lock:
        _cache[key] = data
    return data


# --------------------------------------------------------------------------- PDF

_font_ready = False


def _font() -> str:
    global _font_ready
    if not _font_ready:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        _font_ready = True
    return "STSong-Light"


_NO_LINE_START = set("，。；：、）》”’！？…%")


def _wrap(text: str, width_chars: int) -> list[str]:
    out, line, w = [], "", 0.0
    for ch in text:
        cw = 0.5 if ord(ch) < 128 else 1.0
        if w + cw > width_chars and ch not in _NO_LINE_START:
            out.append(line)
            line, w = "", 0.0
        line += ch
        w += cw
    if line:
        out.append(line)
    return out or [""]


def _pdf(spec: dict) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(spec.get("title", ""))
    c.setAuthor("兖州区教育和体育局")
    width, height = A4
    left, top, bottom = 56, height - 64, 56
    y = top

    def newline(step):
        nonlocal y
        y -= step
        if y < bottom:
            c.showPage()
            y = top - step

    title = spec.get("title", "")
    c.setFont(font, 16)
    for ln in _wrap(title, 28):
        c.drawCentredString(width / 2, y, ln)
        newline(24)
    newline(6)
    c.setFont(font, 11)
    paras = spec.get("paras", [])
    if paras and paras[0] == title:
        paras = paras[1:]
    for p in paras:
        for ln in _wrap(p, 42):
            c.drawString(left, y, ln)
            newline(17)
        newline(4)
    for caption, rows in spec.get("tables", []):
        newline(8)
        c.setFont(font, 12)
        c.drawString(left, y, caption)
        newline(20)
        c.setFont(font, 10)
        ncol = max(len(r) for r in rows) if rows else 1
        colw = (width - 2 * left) / ncol
        for r in rows:
            for i, cell in enumerate(r):
                c.drawString(left + i * colw + 2, y, str(cell)[: int(colw / 10) + 2])
            c.line(left, y - 4, width - left, y - 4)
            newline(16)
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- OOXML

def _normalize_zip(data: bytes) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            buf = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                buf = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2020-01-01T00:00:00Z\g<2>", buf)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, buf)
    return out.getvalue()


def _xlsx(spec: dict) -> bytes:
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = spec.get("title", "")
    ws["A1"].font = Font(bold=True, size=14)
    for i, p in enumerate(spec.get("paras", [])[1:], start=3):
        ws.cell(row=i, column=1, value=p)
    ws.column_dimensions["A"].width = 80
    for caption, rows in spec.get("tables", []):
        sh = wb.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "", caption)[:31] or "Sheet")
        sh.cell(row=1, column=1, value=caption).font = Font(bold=True)
        for r, row in enumerate(rows, start=2):
            for c, cell in enumerate(row, start=1):
                v = cell
                if isinstance(cell, str) and re.fullmatch(r"-?\d+\.\d{2}", cell):
                    v = float(cell)
                sh.cell(row=r, column=c, value=v)
        for col in "ABCDEFG":
            sh.column_dimensions[col].width = 22
    wb.properties.creator = "兖州区教育和体育局"
    wb.properties.created = wb.properties.modified = dt.datetime(2020, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return _normalize_zip(buf.getvalue())


def _docx(spec: dict) -> bytes:
    import datetime as dt

    from docx import Document

    doc = Document()
    doc.add_heading(spec.get("title", ""), level=1)
    paras = spec.get("paras", [])
    if paras and paras[0] == spec.get("title"):
        paras = paras[1:]
    for p in paras:
        doc.add_paragraph(p)
    for caption, rows in spec.get("tables", []):
        doc.add_paragraph(caption)
        if not rows:
            continue
        t = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        t.style = "Table Grid"
        for i, r in enumerate(rows):
            for j, cell in enumerate(r):
                t.cell(i, j).text = str(cell)
    cp = doc.core_properties
    cp.author = "兖州区教育和体育局"
    cp.title = spec.get("title", "")
    cp.created = cp.modified = dt.datetime(2020, 1, 1)
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _normalize_zip(buf.getvalue())
