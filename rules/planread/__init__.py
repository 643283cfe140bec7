"""Read a work plan as it really comes: the Word text export, .docx, .xlsx, .html (a saved page or its
URL: one polite GET), or a .pdf whose table has text. The format is told from the content, not the name.

Each reader turns the document into tables (rules/planread/grid.py ``Table``); the first table whose
header names a requirement and a units column becomes the plan. Units the configuration does not know
are kept as written and listed (``Plan.unknown_units``; ``suggest`` proposes a close known name).
"""
from __future__ import annotations

import difflib
import os
import re
import urllib.request
from pathlib import Path

from ..errors import PlanError
from ..plan import Plan
from .grid import HEADER_HINT, Table, build_plan, find_header

_YEAR = re.compile(r"(20\d\d)\s*年?")
_URL = re.compile(r"^https?://", re.I)
MAX_BYTES = 20 * 1024 * 1024


def detect(data: bytes) -> str:
    """docx, xlsx, pdf, html or text, from the bytes."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:200000]:
            return "docx"
        if b"xl/" in data[:200000]:
            return "xlsx"
        return "zip"
    if head.lstrip().startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    low = head.lower()
    if b"<html" in low or b"<table" in low or b"<!doctype html" in low or b"<body" in low:
        return "html"
    return "text"


def fetch(url: str, *, timeout: float = 30.0) -> tuple[bytes, str]:
    """One polite GET of the plan's page (the crawler's User-Agent, a timeout, a size limit)."""
    from crawler.settings import USER_AGENT
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = resp.read(MAX_BYTES + 1)
            final = resp.geturl()
    except Exception as e:  # HTTPError, URLError, timeouts
        raise PlanError(url, None, "(url)", f"could not be fetched ({e.__class__.__name__}: {e})") from None
    if len(data) > MAX_BYTES:
        raise PlanError(url, None, "(url)", f"larger than {MAX_BYTES // 1048576} MB: not a plan page")
    name = Path(urllib.request.url2pathname(final.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "plan")).name
    return data, name


def read_text_bytes(data: bytes, source: str) -> str:
    if b"\x00" in data[:4096]:
        raise PlanError(source, None, "(file)", "not a work-plan text export: the file is binary")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise PlanError(source, None, "(file)", "not UTF-8 or GB18030 text")


def tables_of(data: bytes, source: str) -> tuple[str, list[Table]]:
    fmt = detect(data)
    if fmt == "docx":
        from .docx import docx_tables
        return fmt, docx_tables(data, source)
    if fmt == "xlsx":
        from .xlsx import xlsx_tables
        return fmt, xlsx_tables(data, source)
    if fmt == "pdf":
        from .pdf import pdf_tables
        return fmt, pdf_tables(data, source)
    if fmt == "html":
        from .html import html_tables
        return fmt, html_tables(data, source)
    if fmt == "ole":
        raise PlanError(source, None, "(file)", "an old binary Word/Excel/WPS file (.doc/.xls/.wps): save it "
                        "as .docx or .xlsx (or the page as .html) and import that")
    if fmt == "zip":
        raise PlanError(source, None, "(file)", "not a readable .docx or .xlsx file (a zip without a "
                        "Word document or workbook inside)")
    return fmt, []


def import_plan(path: str | os.PathLike, *, registry=None, lead: str = "办公室",
                year: int | None = None) -> Plan:
    """Read a plan from a file or URL; raises PlanError naming the file, where, and what was expected."""
    src = str(path)
    if _URL.match(src):
        data, name = fetch(src)
    else:
        p = Path(path)
        if not p.exists():
            raise PlanError(p, None, "(file)", "not found")
        if p.is_dir():
            raise PlanError(p, None, "(file)", "is a directory, not a plan document")
        data, name = p.read_bytes(), p.name
    fmt, tables = tables_of(data, src)
    if fmt == "text":
        from .text import text_table
        table, cols = text_table(read_text_bytes(data, src), src)
        plan = build_plan(table, src, registry=registry, lead=lead, columns=cols, strict_text=True)
    else:
        chosen = [(t, c) for t in tables for c in [find_header(t)] if c is not None]
        if not chosen:
            what = {"html": "page", "pdf": "PDF", "xlsx": "workbook"}.get(fmt, "document")
            raise PlanError(src, None, "(file)", f"not a work-plan {what}: no table with a {HEADER_HINT} "
                            f"header found ({len(tables)} table{'s' if len(tables) != 1 else ''} read)")
        table, cols = chosen[0]
        # the plan split over several tables (one per section, or per page) with the same header
        for more, mcols in chosen[1:]:
            if mcols.roles == cols.roles:
                table = Table(table.rows + more.rows[mcols.header_row + 1:], where=table.where,
                              title=table.title, cover=table.cover)
        plan = build_plan(table, src, registry=registry, lead=lead, columns=cols)
    plan.source = name
    plan.title = clean_title(table.title)
    if year is None:
        for s in (plan.title or "", Path(name).stem, table.cover[:300]):
            m = _YEAR.search(s)
            if m:
                year = int(m.group(1))
                break
    plan.year = year
    return plan


_NOTICE = re.compile(r"(?:印发|转发|公布)\s*[《〈](.+?)[》〉]")


def clean_title(title: str | None) -> str | None:
    """The plan's own title: ``关于印发《X》的通知`` → X."""
    if not title:
        return title
    m = _NOTICE.search(title)
    return m.group(1).strip() if m else title.strip()


def known_names(registry) -> dict[str, str]:
    """Every name and alias of the registry → its canonical name."""
    out: dict[str, str] = {}
    for u in getattr(registry, "units", []):
        for n in (u.name, *u.aliases):
            out[n] = u.name
    return out


def suggest(name: str, registry) -> str | None:
    """A known unit close to *name* (a misspelling or a shortened form), or None."""
    names = known_names(registry)
    hit = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return names[hit[0]] if hit else None


def units_stanza(names: list[str]) -> str:
    """YAML to paste into the configuration's ``units:`` so these units get an address."""
    lines = ["units:"]
    for n in names:
        kind = "group" if n.startswith("各") or n.endswith("各科室") else (
            "school" if re.search(r"(学校|小学|中学|幼儿园)$", n) else "section")
        lines.append(f"  - {{name: {n}, kind: {kind}, email: []}}   # TODO: address")
    return "\n".join(lines)
