"""Crawled text is untrusted wherever it shows: control characters out, direction overrides visible.

``clean_text`` drops NUL and the other C0/C1 control characters (tab, newline and carriage return stay)
and replaces every bidirectional control (U+202A–U+202E embeddings/overrides, U+2066–U+2069 isolates,
U+200E/U+200F/U+061C marks) with a visible marker such as ``⟨U+202E⟩``: a right-to-left override in a
crawled title cannot turn “pdf.exe” into “exe.fdp” or reorder the report around it. Every Jinja output
(HTML and text reports, mails) passes through it (the environment's ``finalize``), and every XLSX cell.
"""
from __future__ import annotations

import re

from markupsafe import Markup

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def clean_text(value):
    """*value* without control characters and with bidi controls made visible (non-text passes as is)."""
    if not isinstance(value, str):
        return value
    if not (_CONTROL.search(value) or _BIDI.search(value)):
        return value
    cleaned = _BIDI.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", _CONTROL.sub("", value))
    return Markup(cleaned) if isinstance(value, Markup) else cleaned
