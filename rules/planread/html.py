"""A plan published as an HTML table (a saved page or the page at a URL): beautifulsoup4 on lxml.

Only tables without tables inside are read (layout tables hold the content table); rowspan and colspan
are expanded; ``<br>`` and block elements inside a cell are line breaks, inline markup is not.
"""
from __future__ import annotations

from .grid import GridCell, Table

_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6")


def decode_html(data: bytes) -> str:
    from bs4 import UnicodeDammit
    dammit = UnicodeDammit(data, ["utf-8", "gb18030"], is_html=True)
    return dammit.unicode_markup or data.decode("utf-8", "replace")


def _cell_text(td) -> str:
    for br in td.find_all("br"):
        br.replace_with("\n")
    for block in td.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = [" ".join(x.split()) for x in td.get_text("").replace("\xa0", " ").splitlines()]
    return "\n".join(x for x in lines if x)


def _span(td, name: str) -> int:
    try:
        return max(1, min(int(str(td.get(name) or "1").strip() or 1), 200))
    except ValueError:
        return 1


def html_tables(data: bytes, source: str) -> list[Table]:
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(decode_html(data), "lxml")
    for bad in soup(["script", "style", "noscript"]):
        bad.decompose()
    title = None
    for sel in ("h1", ".title", "title", "h2"):
        el = soup.select_one(sel)
        if el and el.get_text(strip=True):
            title = el.get_text(" ", strip=True)
            break
    tables = []
    for tn, table in enumerate(soup.find_all("table"), 1):
        if table.find("table"):
            continue
        grid: dict[tuple[int, int], GridCell] = {}
        trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        for rn, tr in enumerate(trs):
            col = 0
            for td in tr.find_all(["td", "th"], recursive=False):
                while (rn, col) in grid:
                    col += 1
                text = _cell_text(td)
                rs, cs = _span(td, "rowspan"), _span(td, "colspan")
                for dr in range(rs):
                    for dc in range(cs):
                        grid[(rn + dr, col + dc)] = GridCell(text, rn + 1, merged=dr > 0, spanned=dc > 0)
                col += cs
        rows = []
        for rn in range(len(trs)):
            width = max((c for r, c in grid if r == rn), default=-1) + 1
            rows.append([grid.get((rn, c), GridCell("", rn + 1)) for c in range(width)])
        cover = " ".join(x.get_text(" ", strip=True) for x in table.find_all_previous(["p", "div"], limit=20))
        tables.append(Table(rows, where=f"table {tn} row", title=title, cover=cover[:2000]))
    return tables
