"""Evaluate a plan's checks against the store as of a date; findings out.

Statuses: ``met``; ``gap`` (missing and due); ``late`` (published after its deadline); ``at_risk`` (not
yet published, due within the horizon); ``pending`` (not yet due); ``unverifiable`` (the source could not
be read, so nothing can be concluded); ``manual`` (waits for a person's attestation).

Crawl health: while a crawl-health alarm (crawler/health.py, table ``alarms``) is active on a source or
column, a web check resting on it that would be ``gap`` or ``at_risk`` is ``unverifiable`` instead, with the
alarm in its message: a spider that stopped finding things must not produce gaps.

Time: only documents published on or before the as-of date exist for a check, so a store crawled in
December answers "what did we know on 1 March" too.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from typing import Iterable

from crawler.columns import infer_class
from crawler import textseg

from . import kinds as kinds_pkg
from .match import bureau_alias_in
from .failures import apply_failures, latest_failures
from .plan import Check, Plan, Requirement

STATUSES = ("met", "gap", "late", "at_risk", "pending", "unverifiable", "manual")
# worst first: what a requirement shows when its checks disagree
SEVERITY = ("gap", "late", "at_risk", "unverifiable", "pending", "manual", "met")
DEFAULT_BUREAU_ALIASES = ("兖州区教育和体育局", "济宁市兖州区教育和体育局", "兖州区教体局", "区教体局", "兖州区教育局")
BUREAU_UNIT_KINDS = ("office", "section", "center")
SITE_LABELS = {"bureau": "局网站", "province": "政务公开看山东", "city": "政务公开经验做法", "district": "政务公开看兖州"}


ALARM_STATUSES = ("gap", "at_risk")   # statuses that rest on something NOT being found


def active_alarms(store) -> list[dict]:
    """Active crawl-health alarms (crawler/health.py); none on a store without the table."""
    try:
        rows = store.db.query("select id, key, site, column_id, monitor, message from alarms where state = 'active'")
        return [dict(r) for r in rows]
    except Exception:  # noqa: BLE001 — an older store or a plain object in tests
        return []


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


def worst(statuses: Iterable[str]) -> str:
    statuses = list(statuses)
    for s in SEVERITY:
        if s in statuses:
            return s
    return "met"


def due_status(as_of: dt.date, due: dt.date | None, horizon: int) -> str:
    """Status of something not (yet) published, due on *due*."""
    if due is None or as_of >= due:
        return "gap"
    if (due - as_of).days <= horizon:
        return "at_risk"
    return "pending"


def published_status(published: str, due: dt.date | None) -> str:
    if due is None or dt.date.fromisoformat(published[:10]) <= due:
        return "met"
    return "late"


def follow_up_status(matches: list[tuple[dict, list]], due: dt.date, as_of: dt.date, horizon: int,
                     evidence: list, dues: list) -> tuple[str, dict | None]:
    """Status of a document that must follow another by *due* (a 解读, a 采纳情况): the first match is
    the follow-up and joins the evidence; without one, *due* joins the open due dates."""
    if matches:
        doc, terms = matches[0]
        evidence.append(evidence_of(doc, terms))
        return published_status(doc["published"], due), doc
    dues.append(due)
    return due_status(as_of, due, horizon), None


@dataclass
class Finding:
    requirement: str
    check: str
    units: list[str]
    status: str
    due: str | None = None
    evidence: list[dict] = field(default_factory=list)
    message: str = ""
    unassigned: bool = False

    def to_dict(self) -> dict:
        return {"requirement": self.requirement, "check": self.check, "units": list(self.units),
                "status": self.status, "due": self.due, "evidence": self.evidence,
                "message": self.message, "unassigned": self.unassigned}

    def to_json(self) -> dict:
        return {"requirement": self.requirement, "check": self.check, "units": list(self.units),
                "status": self.status, "due": self.due,
                "evidence": [{"url": e.get("url"), "title": e.get("title"), "published": e.get("published"),
                              "terms": e.get("terms", [])} for e in self.evidence],
                "message": self.message, "unassigned": self.unassigned}


def evidence_of(doc: dict, terms: list[str] | None = None) -> dict:
    return {"url": doc.get("url"), "title": doc.get("title"), "published": (doc.get("published") or "")[:10] or None,
            "terms": list(terms or [])}


class Context:
    """What a check sees: the store's documents as of a date, the plan year, units, the bureau's names."""

    def __init__(self, store, plan: Plan, as_of: dt.date, *, config=None, registry=None,
                 horizon_days: int | None = None, alarms: bool | list[dict] = True, failures: bool = True):
        self.store, self.plan, self.as_of, self.config, self.registry = store, plan, as_of, config, registry
        # crawl-health alarms (crawler/health.py): while one is active, what rests on its source is unverifiable
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
        aliases = list(getattr(config, "bureau_aliases", None) or DEFAULT_BUREAU_ALIASES)
        if config is not None and "bureau" in config.sites:
            aliases.append(config.sites["bureau"].name)
        self.bureau_aliases = [a for a in dict.fromkeys(aliases) if a]
        self.requirement: Requirement | None = None
        self.check: Check | None = None
        limit = as_of.isoformat()
        self.all_docs = []
        for d in store.documents("state = 'live' and published is not null and published != ''",
                                 order_by="published, url"):
            d = dict(d)
            d["published"] = d["published"][:10]
            if d["published"] <= limit:
                self.all_docs.append(d)
        self.docs = self.all_docs
        self._fts: dict[str, dict] | None = None
        self._tokens: dict[tuple[str, str], set[str]] = {}
        self.columns = [dict(c) for c in store.columns()]
        self._col_by_key = {(c["site"], str(c["column_id"])): c for c in self.columns}

    # -- for one check ------------------------------------------------------------------------
    def for_check(self, requirement: Requirement, check: Check) -> "Context":
        self.requirement, self.check = requirement, check
        return self

    def finding(self, status: str, *, due: dt.date | str | None = None, evidence: list[dict] | None = None,
                message: str = "") -> Finding:
        assert status in STATUSES, status
        r, c = self.requirement, self.check
        if isinstance(due, dt.date):
            due = due.isoformat()
        return Finding(requirement=r.id, check=c.name, units=list(c.units), status=status, due=due,
                       evidence=evidence or [], message=message, unassigned=r.unassigned and c.units == r.units)

    # -- text ---------------------------------------------------------------------------------
    def _fts_rows(self) -> dict[str, dict]:
        if self._fts is None:
            self._fts = {}
            try:
                for r in self.store.db.query("select url, title, body, attachments from documents_fts"):
                    self._fts[r["url"]] = r
            except Exception:  # an index that is missing or broken: segment on the fly
                self._fts = {}
        return self._fts

    def tokens(self, doc: dict, fields: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for f in fields:
            key = (doc["url"], f)
            if key not in self._tokens:
                self._tokens[key] = self._field_tokens(doc, f)
            out |= self._tokens[key]
        return out

    def _field_tokens(self, doc: dict, f: str) -> set[str]:
        if f == "publisher":
            return set(textseg.words(" ".join(filter(None, [doc.get("publisher"), doc.get("source")])),
                                     for_search=True))
        src = {"title": "title", "body": "body", "attachments": "attachment_text"}[f]
        fts = self._fts_rows().get(doc["url"])
        col = "attachments" if f == "attachments" else f
        if fts is not None and (fts.get(col) or not doc.get(src)):
            return set((fts.get(col) or "").split())
        return set(textseg.words(doc.get(src), for_search=True))

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
    def column_class(self, site: str, column_id: str | None, name: str | None) -> str:
        row = self._col_by_key.get((site, str(column_id)))
        if row and row.get("class") and row["class"] != "other":
            return row["class"]
        if self.config is not None and site in self.config.sites:
            for c in self.config.sites[site].columns:
                if c.id == str(column_id) and c.cls != "other":
                    return c.cls
        return infer_class(name or (row or {}).get("name"))

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
        for f in found:
            if f.status not in statuses:
                continue
            was = {"gap": "缺失", "at_risk": "临近期限", "met": "已满足"}[f.status]
            f.status = "unverifiable"
            f.message = f"抓取告警，本次无法核实：{problem}。（抓取正常时本项结论为“{was}”：{f.message}）"
            self.alarm_findings += 1
            for i in ids:
                self.alarms_applied[i] = self.alarms_applied.get(i, 0) + 1
        return found

    # -- attestations -------------------------------------------------------------------------
    def attestations(self, requirement: str) -> list[dict]:
        return list(self.store.db.query(
            "select * from attestations where requirement = ? and plan_year = ? order by attested_at",
            [requirement, self.plan_year]))


def evaluate(plan: Plan, ctx: Context, *, only: Iterable[str] | None = None) -> list[Finding]:
    registry = kinds_pkg.load_all()
    wanted = set(only) if only else None
    out: list[Finding] = []
    for req in plan.requirements():
        if wanted and req.id not in wanted and str(req.task) not in wanted:
            continue
        for check in req.checks:
            kind = registry[check.kind]()
            ctx.for_check(req, check)
            try:
                found = kind.evaluate(ctx, req, check.params, ctx.as_of)
            except Exception as e:  # one broken check must not hide the others' findings
                print(f"zwgk check: {req.id} {check.name}: {e.__class__.__name__}: {e}", file=sys.stderr)
                found = [ctx.finding("unverifiable", message=f"检查出错，无法得出结论：{e.__class__.__name__}: {e}")]
            if getattr(kind, "web", True):
                found = ctx.apply_alarms(check, found, getattr(kind, "met_by_absence", False))
                found = apply_failures(ctx, check_scope(check.params), SITE_LABELS, found,
                                       getattr(kind, "met_by_absence", False))
            out.extend(found)
    return out


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    c = {s: 0 for s in STATUSES}
    for f in findings:
        c[f.status] = c.get(f.status, 0) + 1
    return c


def run_check(store, plan: Plan, as_of: dt.date, *, config=None, registry=None,
              horizon_days: int | None = None, plan_path: str | None = None) -> tuple[int, list[Finding]]:
    """Evaluate and store the findings as a ``check`` run; returns (run id, findings)."""
    run_id = store.start_run("check", as_of=as_of.isoformat(),
                             stats={"plan": plan_path, "plan_year": plan.year})
    try:
        ctx = Context(store, plan, as_of, config=config, registry=registry, horizon_days=horizon_days)
        findings = evaluate(plan, ctx)
        store.add_findings(run_id, [f.to_dict() for f in findings])
    except BaseException:
        store.finish_run(run_id, "failed")
        raise
    stats = {"plan": plan_path, "plan_year": plan.year, "findings": len(findings),
             "by_status": counts(findings), "requirements": len(plan.requirements())}
    if ctx.alarms:
        stats["alarms"] = {"active": [a["id"] for a in ctx.alarms], "unverifiable": ctx.alarm_findings,
                           "applied": {str(k): v for k, v in sorted(ctx.alarms_applied.items())}}
    if ctx.failure_findings:
        stats["failed_pages"] = {"unverifiable": ctx.failure_findings, "urls": sorted(ctx.failed_urls_cited)[:50]}
    store.finish_run(run_id, "ok", stats)
    return run_id, findings


def dumps(findings: list[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2)


def combine(statuses: Iterable[str]) -> str:
    """One status for several parts: the worst of those already due; ``pending`` only if all are."""
    statuses = list(statuses)
    due = [s for s in statuses if s != "pending"]
    return worst(due) if due else "pending"


def attachment_broken(att: dict) -> bool:
    """An attachment that did not download (spider: status ``failed``; manifest: ``missing``)."""
    status = att.get("status")
    if att.get("missing") is True:
        return True
    http = att.get("http_status")
    if isinstance(http, int) and http >= 400:
        return True
    if isinstance(status, int) or (isinstance(status, str) and status.isdigit()):
        return int(status) >= 400
    return status in ("failed", "missing", "error", "broken")


def attachments_of(doc: dict) -> list[dict]:
    raw = doc.get("attachments")
    if not raw:
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else list(raw)
    except ValueError:
        return []
    return [a for a in items if isinstance(a, dict)]


def unusable(doc: dict) -> bool:
    """A document whose every attachment fails to open (its content cannot be read)."""
    atts = attachments_of(doc)
    return bool(atts) and all(attachment_broken(a) for a in atts)


def label(doc: dict) -> str:
    return f"《{doc.get('title')}》（{(doc.get('published') or '')[:10]}）"
