"""Terminal tables that line up with Chinese in them: a Hanzi (East Asian Wide/Fullwidth) takes two columns."""
from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text: str, columns: int, *, right: bool = False) -> str:
    """*text* padded with spaces to *columns* display columns (never cut)."""
    text = str(text)
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill
