"""Text out of attachment files (PDF, DOCX, XLSX; plain text for txt/csv). Pure functions, no I/O."""
from __future__ import annotations

import io
import logging
import re
import zipfile

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 200_000   # enough for any budget table; keeps one huge file from bloating the store


def sniff_type(data: bytes, declared: str | None = None) -> str | None:
    """The real type of *data*: magic bytes first (sites mislabel), then the declared type."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return declared
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("ppt/") for n in names):
            return "pptx"
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return declared if declared in ("doc", "xls", "wps", "et", "ppt") else "doc"
    return declared


def _pdf_text(data: bytes) -> str:
    import pdfplumber

    # pdfminer is chatty about malformed fonts; those warnings are not ours to act on
    for name in ("pdfminer", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.ERROR)
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            out.append(page.extract_text() or "")
            if sum(map(len, out)) > MAX_TEXT_CHARS:
                break
    return "\n".join(out)


def _docx_document(data: bytes):
    """python-docx's Document of *data*, built from the main document part alone.

    ``docx.Document()`` reads and parses every part the package relates (styles.xml alone is 350 KB in
    Word's default template, 20 times the text; stylesWithEffects, theme, numbering, images …): 90 % of its
    CPU for a text we take from the main part only. Here python-docx's own pieces (its content-type map,
    relationships, part names and XML parser) find and parse that one part, and its Document/Paragraph/Table
    objects give the text exactly as before; a package python-docx refuses (no main part, not a Word main
    part) is refused with its errors. Unlike ``docx.Document()``, a broken part the text does not use (a
    missing image, a malformed styles.xml) no longer makes the whole file unreadable."""
    from docx.document import Document
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from docx.opc.pkgreader import _ContentTypeMap, _SerializedRelationships
    from docx.oxml.parser import parse_xml

    stream = io.BytesIO(data)
    with zipfile.ZipFile(stream) as package:
        content_types = _ContentTypeMap.from_xml(package.read(CONTENT_TYPES_URI.membername))
        try:
            rels_xml = package.read(PACKAGE_URI.rels_uri.membername)
        except KeyError:
            rels_xml = None
        rels = _SerializedRelationships.load_from_xml(PACKAGE_URI.baseURI, rels_xml)
        main = [rel for rel in rels if rel.reltype == RT.OFFICE_DOCUMENT]
        if not main:
            raise KeyError(f"no relationship of type '{RT.OFFICE_DOCUMENT}' in collection")
        if len(main) > 1:
            raise ValueError(f"multiple relationships of type '{RT.OFFICE_DOCUMENT}' in collection")
        if main[0].is_external:
            raise ValueError("target_part property on _Relationship is undefined when target mode is External")
        partname = main[0].target_partname
        content_type = content_types[partname]
        if content_type != CT.WML_DOCUMENT_MAIN:
            raise ValueError(f"file '{stream}' is not a Word file, content type is '{content_type}'")
        return Document(parse_xml(package.read(partname.membername)), None)


def _docx_text(data: bytes) -> str:
    d = _docx_document(data)
    out = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            out.append("\t".join(c.text for c in row.cells))
    return "\n".join(out)


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    try:
        for ws in wb.worksheets:
            out.append(ws.title)
            for row in ws.iter_rows(values_only=True):
                cells = [str(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    out.append("\t".join(cells))
                if sum(map(len, out)) > MAX_TEXT_CHARS:
                    break
    finally:
        wb.close()
    return "\n".join(out)


def _plain_text(data: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


MAX_UNCOMPRESSED = 200 * 1024 * 1024   # all parts of one docx/xlsx/pptx, as their zip directory declares them
MAX_ZIP_PARTS = 10_000


def zip_problem(data: bytes, max_uncompressed: int = MAX_UNCOMPRESSED) -> str | None:
    """Why a zip-based file (docx, xlsx …) must not be opened, or None: its parts would inflate beyond
    *max_uncompressed* bytes (a zip bomb), or it has absurdly many parts. zipfile never inflates a part
    beyond the size its directory declares, so checking the declared sizes bounds the work."""
    if not data.startswith(b"PK"):
        return None
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        return f"not a readable zip file: {e}"[:200]
    if len(infos) > MAX_ZIP_PARTS:
        return f"{len(infos)} zip parts (more than {MAX_ZIP_PARTS})"
    total = sum(max(0, i.file_size) for i in infos)
    if total > max_uncompressed:
        return (f"its parts inflate to {total} bytes from {len(data)} (more than {max_uncompressed}): "
                "not opened (zip bomb)")
    return None


EXTRACTORS = {"pdf": _pdf_text, "docx": _docx_text, "xlsx": _xlsx_text, "txt": _plain_text,
              "csv": _plain_text}


def attachment_text(data: bytes, declared: str | None = None) -> tuple[str | None, str | None]:
    """(text, error) of one attachment. Unsupported types give (None, None); a file that does not
    parse gives (None, "…why…")."""
    kind = sniff_type(data, declared)
    fn = EXTRACTORS.get(kind or "")
    if fn is None:
        return None, None
    problem = zip_problem(data) if kind in ("docx", "xlsx") else None
    if problem:
        return None, f"{kind}: {problem}"[:300]
    try:
        text = fn(data)
    except Exception as e:  # a broken file is a fact about the site, not a crash
        return None, f"{kind} text extraction failed: {type(e).__name__}: {e}"[:300]
    text = re.sub(r"[ \t\u3000]+", " ", text or "")
    text = re.sub(r"\n\s*\n+", "\n", text).strip()
    return text[:MAX_TEXT_CHARS] or None, None
