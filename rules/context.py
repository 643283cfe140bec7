"""What a check sees (the store's documents as of a date, the plan year, units, the bureau's names,
columns, crawl-health alarms), and how it states a finding.

Crawl health: while a crawl-health alarm (spiders/health.py, table ``alarms``) is active on a source or
column, a web check resting on it that would be ``gap`` or ``at_risk`` is ``unverifiable`` instead, with the
alarm in its message: a spider that stopped finding things must not produce gaps.
"""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Iterable

from crawler import textseg
from crawler.vocabulary import SITE_LABELS, STATUSES, column_class

from .failures import latest_failures
from .findings import Finding, mark_unverifiable
from .lazydoc import LazyDoc
from .match import bureau_alias_in
from .plan import Check, Plan, Requirement

TOKEN_CACHE = 2000   # (document, field) token sets kept (a body's: ~15 KB): memory flat in the number of documents

BUREAU_UNIT_KINDS = ("office", "section", "center")
ALARM_STATUSES = ("gap", "at_risk")   # statuses that rest on something NOT being found


def active_alarms(store) -> list[dict]:
    """Active crawl-health alarms (spiders/health.py)."""
    rows = store.db.query("select id, key, site, column_id, monitor, message from alarms where state = 'active'")
    return [dict(r) for r in rows]


def check_scope(params: dict) -> dict[str, set[str] | None]:
    """The sources a check's parameters read: site -> None (the whole site) or the column ids / name words /
    ``class:<class>`` it is restricted to. Match specs (``match``, ``policy``, ``feedback`` …) and the
    ``site``/``sites`` (+ ``column``) parameters count; a check naming none reads the bureau's site."""
    scope: dict[str, set[str] | None] = {}

    def add(sites, cols):
        for site in sites:
            if not cols:
                scope[site] = None
            elif site not in scope:
                scope[site] = set(cols)
            elif scope[site] is not None:
                scope[site] |= set(cols)

    found = False
    for value in params.values():
        if isinstance(value, dict) and isinstance(value.get("site"), list):
            found = True
            add(value["site"], [str(c) for c in value.get("column") or []]
                + [f"class:{c}" for c in value.get("class") or []])
    for key in ("site", "sites"):
        value = params.get(key)
        if isinstance(value, list) and value:
            found = True
            add(value, [str(c) for c in params.get("column") or []])
    if not found:
        add(["bureau"], [])
    return scope


class Context:
    """What a check sees: the store's documents as of a date, the plan year, units, the bureau's names."""

    def __init__(self, store, plan: Plan, as_of: dt.date, *, config=None, registry=None,
                 horizon_days: int | None = None, alarms: bool | list[dict] = True, failures: bool = True):
        self.store, self.plan, self.as_of, self.config, self.registry = store, plan, as_of, config, registry
        # crawl-health alarms (spiders/health.py): while one is active, what rests on its source is unverifiable
        self.alarms = active_alarms(store) if alarms is True else list(alarms or [])
        self.alarms_applied: dict[int, int] = {}   # alarm id -> findings it made unverifiable
        self.alarm_findings = 0                    # findings made unverifiable by alarms
        # pages the latest crawl could not load (rules/failures.py): what rests on them is unverifiable
        self.use_failures = failures
        self.failed_pages = latest_failures(store) if failures else {}
        self.failure_findings = 0
        self.failed_urls_cited: set[str] = set()
        self.plan_year = plan.year or as_of.year
        self.horizon = plan.horizon_days if horizon_days is None else horizon_days
        aliases = list(getattr(config, "bureau_aliases", None) or [])
        if config is not None and "bureau" in config.sites:
            aliases.append(config.sites["bureau"].name)
        self.bureau_aliases = [a for a in dict.fromkeys(aliases) if a]
        self.requirement: Requirement | None = None
        self.check: Check | None = None
        limit = as_of.isoformat()
        # rows without their long texts (LazyDoc reads those when a kind asks): memory stays small
        # in the number of documents; the search index picks candidates (rules/match.py)
        columns = frozenset(store.db["documents"].columns_dict)
        light = ", ".join(c for c in LazyDoc.CORE if c in columns)
        self.all_docs = []
        for d in store.db.query(f"select {light} from documents where state = 'live' and published is not null "
                                "and published != '' and substr(published, 1, 10) <= ? order by published, url",
                                [limit]):
            d = LazyDoc(d, store, columns)
            d["published"] = d["published"][:10]
            self.all_docs.append(d)
        self.docs = self.all_docs
        self._tokens: OrderedDict[tuple[str, str], set[str]] = OrderedDict()   # a bounded cache
        self._unindexed: set | None = None
        self.columns = [dict(c) for c in store.columns()]
        self._col_by_key = {(c["site"], str(c["column_id"])): c for c in self.columns}

    # -- for one check ------------------------------------------------------------------------
    def for_check(self, requirement: Requirement, check: Check) -> "Context":
        self.requirement, self.check = requirement, check
        return self

    def finding(self, status: str, *, due: dt.date | str | None = None, evidence: list[dict] | None = None,
                message: str = "", facts: dict | None = None) -> Finding:
        assert status in STATUSES, status
        r, c = self.requirement, self.check
        if isinstance(due, dt.date):
            due = due.isoformat()
        return Finding(requirement=r.id, check=c.name, units=list(c.units), status=status, due=due,
                       evidence=evidence or [], message=message, unassigned=r.unassigned and c.units == r.units,
                       facts=facts or {})

    # -- text ---------------------------------------------------------------------------------
    def tokens(self, doc: dict, fields: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for f in fields:
            key = (doc["url"], f)
            got = self._tokens.get(key)
            if got is None:
                got = self._tokens[key] = self._field_tokens(doc, f)
                if len(self._tokens) > TOKEN_CACHE:
                    self._tokens.popitem(last=False)
            out |= got
        return out

    def _field_tokens(self, doc: dict, f: str) -> set[str]:
        if f == "publisher":
            return set(textseg.words(" ".join(filter(None, [doc.get("publisher"), doc.get("source")])),
                                     for_search=True))
        src = {"title": "title", "body": "body", "attachments": "attachment_text"}[f]
        fts = self._fts_row(doc)
        col = "attachments" if f == "attachments" else f
        if fts is not None and (fts.get(col) or not doc.get(src)):
            return set((fts.get(col) or "").split())
        return set(textseg.words(doc.get(src), for_search=True))

    def _fts_row(self, doc: dict) -> dict | None:
        if doc.get("doc_id") is None:
            return None
        try:
            rows = self.store.db.execute("select title, body, attachments from documents_fts where rowid = ?",
                                         [doc["doc_id"]]).fetchall()
        except Exception:  # an index that is missing or broken: segment on the fly  # noqa: BLE001
            return None
        return dict(zip(("title", "body", "attachments"), rows[0])) if rows else None

    def indexed_candidates(self, match: str) -> set | None:
        """doc_ids whose search row matches the FTS5 expression *match*, plus documents without a search
        row (never excluded by the index); None when the index cannot answer."""
        try:
            if self._unindexed is None:
                self._unindexed = {r[0] for r in self.store.db.execute(
                    "select doc_id from documents where doc_id not in (select rowid from documents_fts)")}
            found = {r[0] for r in self.store.db.execute(
                "select rowid from documents_fts where documents_fts match ?", [match])}
        except Exception:  # noqa: BLE001 — an older or broken index: every document is a candidate
            return None
        return found | self._unindexed

    # -- the bureau ---------------------------------------------------------------------------
    def is_bureau_name(self, name: str) -> bool:
        if not name:
            return True
        if bureau_alias_in(name, self.bureau_aliases) or name.strip() in ("本局", "我局", "局机关"):
            return True
        if self.registry is not None:
            unit = self.registry.get(name)
            if unit is not None:
                return unit.kind in BUREAU_UNIT_KINDS
        return False

    # -- columns and sources -------------------------------------------------------------------
    def configured_class(self, site: str, column_id: str | None, name: str | None) -> str | None:
        """What the operator's config says of this column's class (``exclude``: not checked), or None."""
        configured = getattr(self.config, "configured_class", None)
        return configured(site, column_id, name) if configured is not None else None

    def column_class(self, site: str, column_id: str | None, name: str | None) -> str:
        """crawler.vocabulary.column_class: the config, else the name, else the class stored by the crawl."""
        row = self._col_by_key.get((site, str(column_id))) or {}
        name = name or row.get("name")
        return column_class(self.configured_class(site, column_id, name), row.get("class"), name)

    def column_name(self, doc: dict) -> str:
        name = doc.get("column_name") or ""
        if not name:
            name = (self._col_by_key.get((doc.get("site"), str(doc.get("column_id") or ""))) or {}).get("name") or ""
        return name

    def in_columns(self, doc: dict, wanted: list[str]) -> bool:
        """The document's column has one of these ids, or a name containing one of these words."""
        cid, name = str(doc.get("column_id") or ""), self.column_name(doc)
        return any(w == cid or (name and w in name) for w in wanted)

    def in_classes(self, doc: dict, wanted: list[str]) -> bool:
        return self.column_class(doc.get("site"), doc.get("column_id"), self.column_name(doc)) in wanted

    def source_problem(self, sites: Iterable[str], columns: list[str] | None = None) -> str | None:
        """Why these sources cannot be read (so a missing item there proves nothing), or None.

        A site is unreadable when nothing was ever stored from it, or every column of it is marked
        ``unverifiable``; with *columns* given, also when every one of those columns is.
        """
        problems = []
        for site in sites:
            label = SITE_LABELS.get(site, site)
            cols = [c for c in self.columns if c["site"] == site]
            if columns:
                wanted = [c for c in cols if str(c["column_id"]) in columns
                          or any(w in (c.get("name") or "") for w in columns)]
                if wanted and all(c.get("state") == "unverifiable" for c in wanted):
                    problems.append(f"{label}的相关栏目无法读取（{wanted[0].get('reason') or '未解析到条目'}）")
                    continue
            if self.store.count_documents(site=site, state=None) == 0:
                problems.append(f"未抓取到{label}的任何文件")
            elif cols and all(c.get("state") == "unverifiable" for c in cols):
                problems.append(f"{label}的栏目均无法读取")
        return "；".join(problems) or None

    # -- crawl-health alarms ---------------------------------------------------------------------
    def _column_in(self, site: str, column_id: str, wanted: set[str]) -> bool:
        row = self._col_by_key.get((site, str(column_id))) or {}
        name = row.get("name") or ""
        cls = self.column_class(site, column_id, name)
        return any(w == str(column_id) or (name and not w.startswith("class:") and w in name)
                   or w == f"class:{cls}" for w in wanted)

    def alarm_problem(self, params: dict) -> tuple[str, list[int]] | None:
        """Why tonight's crawl of the sources this check rests on cannot be trusted (active alarms), or None."""
        if not self.alarms:
            return None
        scope = check_scope(params)
        hits = []
        for a in self.alarms:
            if a.get("site") not in scope:
                continue
            wanted = scope[a["site"]]
            if wanted is None or not a.get("column_id") or self._column_in(a["site"], a["column_id"], wanted):
                hits.append(a)
        if not hits:
            return None
        hits.sort(key=lambda a: (bool(a.get("column_id")), a["id"]))   # the whole site's alarms first
        msgs = list(dict.fromkeys(a.get("message") or a.get("monitor") or "" for a in hits))
        text = "；".join(msgs[:3]) + (f"等{len(msgs)}项告警" if len(msgs) > 3 else "")
        return text, [a["id"] for a in hits]

    def apply_alarms(self, check: Check, found: list[Finding], met_by_absence: bool = False) -> list[Finding]:
        """A missing item proves nothing while the crawl of its source is unhealthy: gap/at_risk → unverifiable
        (and ``met`` too for kinds whose ``met`` only means that nothing wrong was found)."""
        statuses = ALARM_STATUSES + (("met",) if met_by_absence else ())
        if not self.alarms or not any(f.status in statuses for f in found):
            return found
        got = self.alarm_problem(check.params)
        if got is None:
            return found
        problem, ids = got
        n = mark_unverifiable(found, statuses, "抓取告警", "抓取正常", problem)
        self.alarm_findings += n
        for i in ids:
            self.alarms_applied[i] = self.alarms_applied.get(i, 0) + n
        return found

    # -- attestations -------------------------------------------------------------------------
    def attestations(self, requirement: str) -> list[dict]:
        return list(self.store.db.query(
            "select * from attestations where requirement = ? and plan_year = ? order by attested_at",
            [requirement, self.plan_year]))


