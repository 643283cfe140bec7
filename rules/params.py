"""Declared parameters of a rule kind, validated when a catalogue is loaded (before anything runs).

Each kind lists ``params = {"name": Param(...)}``; a check's ``params:`` mapping is checked against it:
unknown names, wrong types and bad values raise PlanError with the file, the line and the field
(``requirements[1.2].checks[0].params.due``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from .errors import PlanError
from crawler import validate
from crawler.validate import Invalid
from crawler.vocabulary import CLASSES
from crawler.yamlnodes import Node

SITES = ("bureau", "province", "city", "district")
FIELDS = ("title", "body", "attachments", "publisher")
_MMDD = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass
class Param:
    type: str                      # str int float bool date terms strings choice match dict
    default: Any = None
    required: bool = False
    choices: tuple = ()
    minimum: float | None = None
    doc: str = ""
    item: dict[str, "Param"] | None = None   # for "dict": the declared keys of each value

    def validate(self, node: Node) -> Any:
        v = node.value
        t = self.type
        if t in ("str", "choice"):   # the scalar checks are the configuration's too (crawler/validate.py)
            value = validate.text(node, choices=self.choices)
            return v if t == "choice" and not isinstance(v, str) else value
        if t in ("int", "float"):
            return validate.number(node, integer=t == "int", minimum=self.minimum)
        if t == "bool":
            return validate.boolean(node)
        if t == "date":
            return validate_date(node)
        if t == "strings":
            return validate.texts(node, choices=self.choices)
        if t == "terms":
            return validate_terms(node)
        if t == "match":
            return validate_match(node)
        if t == "dict":
            if not isinstance(v, dict):
                raise Invalid(node, "must be a mapping")
            out = {}
            for key, child in v.items():
                if self.item is None:
                    out[key] = child.plain()
                    continue
                if not isinstance(child.value, dict):
                    raise Invalid(child, "must be a mapping", f".{key}")
                entry = {}
                for k, c in child.value.items():
                    if k not in self.item:
                        raise Invalid(c, "unknown field (known: " + ", ".join(self.item) + ")", f".{key}.{k}")
                    try:
                        entry[k] = self.item[k].validate(c)
                    except Invalid as e:
                        raise Invalid(e.node, e.message, f".{key}.{k}{e.sub}") from None
                for k, p in self.item.items():
                    if k not in entry:
                        if p.required:
                            raise Invalid(child, "is required", f".{key}.{k}")
                        entry[k] = p.default
                out[key] = entry
            return out
        raise AssertionError(f"unknown param type {t}")


def validate_date(node: Node) -> str:
    """A date: ``MM-DD`` (in the plan year), ``YYYY-MM-DD``, or ``+N`` days after the plan year ends."""
    v = node.value
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        s = v.strip()
        m = _MMDD.match(s)
        try:
            if m:
                dt.date(2020, int(m.group(1)), int(m.group(2)))  # 2020: a leap year, 02-29 is fine
                return f"{int(m.group(1)):02d}-{int(m.group(2)):02d}"
            m = _DATE.match(s)
            if m:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            raise Invalid(node, f"{s!r} is not a real date") from None
    raise Invalid(node, f"must be a date like 09-30 (in the plan year) or 2020-09-30, not {v!r}")


def resolve_date(value: str | None, year: int) -> dt.date | None:
    if not value:
        return None
    if len(value) == 5:
        month, day = int(value[:2]), int(value[3:])
        if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 or year % 400 == 0)):
            day = 28
        return dt.date(year, month, day)
    return dt.date.fromisoformat(value)


def validate_terms(node: Node) -> list[list[str]]:
    """Synonym groups: ``[预算, [部门预算, 预算公开]]`` → [[预算], [部门预算, 预算公开]]."""
    v = node.value
    items = v if isinstance(v, list) else [node]
    groups = []
    for i, item in enumerate(items):
        if isinstance(item.value, list):
            alts = []
            for j, a in enumerate(item.value):
                if not isinstance(a.value, (str, int)) or isinstance(a.value, bool) or not str(a.value).strip():
                    raise Invalid(a, "a term must be a non-empty text value", f"[{i}][{j}]")
                alts.append(str(a.value).strip())
            if not alts:
                raise Invalid(item, "an empty synonym group", f"[{i}]")
            groups.append(alts)
        elif isinstance(item.value, (str, int)) and not isinstance(item.value, bool) and str(item.value).strip():
            groups.append([str(item.value).strip()])
        else:
            raise Invalid(item, "a term must be text or a list of synonyms", f"[{i}]")
    return groups


MATCH_KEYS: dict[str, Param] = {
    "all": Param("terms", [], doc="every group must match (a group: one term or a list of synonyms)"),
    "any": Param("terms", [], doc="at least one group must match"),
    "none": Param("terms", [], doc="no group may match"),
    "fields": Param("strings", ["title"], choices=FIELDS, doc="where the terms are looked for"),
    "site": Param("strings", ["bureau"], choices=SITES, doc="sources"),
    "column": Param("strings", [], doc="column ids, or words of column names (empty: any column)"),
    "class": Param("strings", [], choices=CLASSES,
                   doc="column freshness classes (empty: any)"),
    "publisher": Param("choice", "any", choices=("bureau", "local", "any"),
                       doc="bureau: publisher, title and source must be the bureau's (another unit's item never "
                           "counts); local: the bureau's or one of its configured units' (never another district's)"),
    "year": Param("choice", "any", choices=("plan", "previous", "any"),
                  doc="the year the item is about (the year in its title, else its publication year)"),
    "published": Param("choice", "any", choices=("plan", "any"),
                       doc="plan: published within the plan year"),
}


def validate_match(node: Node) -> dict:
    if not isinstance(node.value, dict):
        raise Invalid(node, "must be a mapping with " + "/".join(MATCH_KEYS))
    out = {}
    for key, child in node.value.items():
        if key not in MATCH_KEYS:
            raise Invalid(child, "unknown field (known: " + ", ".join(MATCH_KEYS) + ")", f".{key}")
        try:
            out[key] = MATCH_KEYS[key].validate(child)
        except Invalid as e:
            raise Invalid(e.node, e.message, f".{key}{e.sub}") from None
    for key, p in MATCH_KEYS.items():
        out.setdefault(key, p.default)
    if not (out["all"] or out["any"] or out["column"] or out["class"]):
        raise Invalid(node, "needs terms ('all' or 'any') or a 'column' or 'class'")
    return out


def validate_params(declared: dict[str, Param], node: Node | None, source: str, fieldname: str,
                    check: Callable[[dict, Node | None], None] | None = None, line: int | None = None) -> dict:
    """Check a check's params against the kind's declaration; fill defaults."""
    given = {}
    if node is not None and node.value is not None:
        if not isinstance(node.value, dict):
            raise PlanError(source, node.line, fieldname, "must be a mapping of parameter: value")
        given = node.value
    out = {}
    for key, child in given.items():
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise PlanError(source, child.line, f"{fieldname}.{key}", f"unknown parameter (known: {known})")
        try:
            out[key] = declared[key].validate(child)
        except Invalid as e:
            n = e.node or child
            raise PlanError(source, n.line, f"{fieldname}.{key}{e.sub}", e.message) from None
    for key, p in declared.items():
        if key not in out:
            if p.required:
                raise PlanError(source, node.line if node else line, f"{fieldname}.{key}", "is required")
            out[key] = _copy(p.default)
    if check is not None:
        try:
            check(out, node)
        except Invalid as e:
            n = e.node or node
            raise PlanError(source, n.line if n else line, f"{fieldname}{e.sub}", e.message) from None
    return out


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v
