"""Value validators shared by the configuration (crawler/config.py) and the rules' parameters
(rules/params.py): one set of checks and messages for text, choices, numbers, true/false and text lists.

Each takes a YAML node (crawler/yamlnodes.Node, so errors keep their line) and returns the clean value or
raises Invalid(node, message, sub); the caller turns that into its own error (ConfigError, PlanError) with
the file and the field name (``sub`` is appended to the field: ``[2]`` for a list item).
"""
from __future__ import annotations

import re

from .yamlnodes import Node


class Invalid(ValueError):
    """A bad value: the node it came from, what is wrong, and where below the field (``[i]``, ``.key``)."""

    def __init__(self, node: Node | None, message: str, sub: str = ""):
        super().__init__(message)
        self.node, self.message, self.sub = node, message, sub


def _scalar_text(v) -> bool:
    return isinstance(v, (str, int, float)) and not isinstance(v, bool)


def text(node: Node, *, choices: tuple = (), pattern: re.Pattern | None = None, allow_empty: bool = False) -> str:
    """A text value (a bare number is read as its text), stripped; one of *choices* / matching *pattern*."""
    v = node.value
    if not _scalar_text(v):
        raise Invalid(node, "must be a text value")
    value = str(v).strip()
    if not value:
        if allow_empty:
            return value
        raise Invalid(node, "must not be empty")
    if choices and value not in [str(c) for c in choices]:
        raise Invalid(node, f"{value!r} is not one of: " + ", ".join(map(str, choices)))
    if pattern is not None and not pattern.match(value):
        raise Invalid(node, f"{value!r} is not valid")
    return value


def number(node: Node, *, integer: bool = False, minimum: float | None = None) -> int | float:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
        raise Invalid(node, f"must be a{'n integer' if integer else ' number'}, not {v!r}")
    if minimum is not None and v < minimum:
        raise Invalid(node, f"must be at least {minimum:g}")
    return v


def boolean(node: Node) -> bool:
    if not isinstance(node.value, bool):
        raise Invalid(node, "must be true or false")
    return node.value


def texts(node: Node, *, choices: tuple = (), pattern: re.Pattern | None = None) -> list[str]:
    """A list of non-empty text values; a single value counts as a list of one."""
    items = node.value if isinstance(node.value, list) else [node]
    out = []
    for i, item in enumerate(items):
        try:
            out.append(text(item, choices=choices, pattern=pattern))
        except Invalid as e:
            message = "must be a list of non-empty text values" if e.message.startswith("must") else e.message
            raise Invalid(item, message, f"[{i}]") from None
    return out
