"""Bytes to text for saved and fetched pages: the HTTP charset, then what the page declares (BOM,
``<meta charset>``, XML declaration, as w3lib reads them), then UTF-8, then GB18030.

A declared encoding the bytes do not decode with (a mislabelled page) is skipped, and GBK/GB2312 are
read as their superset GB18030 (w3lib's ``resolve_encoding`` maps them): real county sites serve GBK
pages with a UTF-8 header, or declare nothing at all.
"""
from __future__ import annotations

from w3lib.encoding import (html_body_declared_encoding, http_content_type_encoding, read_bom,
                            resolve_encoding)


def _resolve(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"")
    if name.lower() in ("gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80"):
        return "gb18030"
    return resolve_encoding(name)


_DECLARED = object()   # stands for the page's own declaration in the order of candidates
_WEAK = {"cp1252", "latin-1", "iso8859-1", "ascii", "windows-1252"}


def decode_html(data: bytes | str, encoding: str | None = None) -> tuple[str, str]:
    """Text of *data* and the encoding used (``"unicode"`` when *data* is already text).

    *encoding* is the HTTP charset, or a full Content-Type header value.
    """
    if isinstance(data, str):
        return data, "unicode"
    bom_enc, bom = read_bom(data)
    if bom_enc:
        enc = _resolve(bom_enc) or "utf-8"
        return data[len(bom):].decode(enc, "replace"), enc
    header = None
    if encoding:
        header = http_content_type_encoding(encoding if "=" in encoding else f"text/html; charset={encoding}")
    declared = _DECLARED   # read from the page only when the HTTP charset does not decode it
    order = [header, encoding, declared, "utf-8", "gb18030"]
    if _resolve(header or encoding) in _WEAK:
        # a server default (ISO-8859-1) decodes any bytes: it goes last, after the page and the CJK guesses
        order = [declared, "utf-8", "gb18030", header, encoding]
    candidates: list[str] = []
    for enc in order:
        if enc is _DECLARED:
            enc = html_body_declared_encoding(data[:8192])
        enc = _resolve(enc)
        if not enc or enc in candidates:
            continue
        candidates.append(enc)
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(candidates[0], "replace"), candidates[0]
