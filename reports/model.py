"""What every report and e-mail is made of: one check run's findings, joined with the plan and routed to units.

Reports only read: the store (runs, findings, columns, documents) and the plan. The plan is the JSON shape
printed by ``zwgk plan import --json``::

    {"sections": [{"title": …, "tasks": [{"number": 1, "title": …,
                    "requirements": [{"id": "1.2", "text": …, "units": [...]}]}]}]}

Everything shown to people is Simplified Chinese.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from crawler.alarms import data_freshness
from crawler.dates import to_date
from crawler.units import UnitRegistry, normalise_name
from crawler.vocabulary import STATUS_ORDER
from rules.candidates import stored_candidates

from .changes import Changes, compute_changes, previous_check_run
from .columns import column_rows
from .actions import action_line
from .routing import HOW, DocumentRouter
from .planview import PlanIndex, Requirement, requirement_sort_key
from .statuses import ACTION_STATUSES, STATUS_SYMBOLS, status_label, status_rank, worst
from .submissions import submission_table

#: a source the configuration does not name
SOURCE_NAMES = {"bureau": "局网站", "province": "山东省（政务公开看山东）", "city": "济宁市（政务公开经验做法）",
                "district": "兖州区（政务公开看兖州）"}


#: the dashboard's column for a group's items no section could be found for
SHARED_COLUMN = "全局共性事项"


# --- findings, routed ---------------------------------------------------------------------------

@dataclass
class Evidence:
    url: str
    title: str
    published: dt.date | None
    published_text: str
    terms: list[str]
    at_fault: bool = False   # the document the finding is about (a policy lacking its 解读 …)
    column: str = ""         # the bureau column it is published in (where the action line points)
    link: str = ""           # for a broken link: its target (the URL behind the link's name)
    problem: str = ""        # what is wrong with it, in the rule's words

    @property
    def key(self) -> str:
        return self.url


@dataclass
class Finding:
    id: Any
    requirement: Requirement
    check: str
    units: list[str]  # as written in the finding (may be groups)
    status: str
    due: dt.date | None
    due_text: str
    evidence: list[Evidence]
    message: str
    unassigned: bool
    recipients: list[str] = field(default_factory=list)
    via: dict[str, str] = field(default_factory=dict)  # recipient → group it came through
    facts: dict = field(default_factory=dict)          # what the rule measured (rules/findings.py)
    shared: list[str] = field(default_factory=list)    # members a group's item reached with no owner known
    how: dict[str, str] = field(default_factory=dict)  # recipient → why (reports/routing.py HOW)
    documents: dict[str, list[str]] = field(default_factory=dict)  # recipient → URLs at fault that are its own
    as_of: dt.date | None = None                       # the check's date (overdue days in the action line)
    #: where this requirement's documents are published on the bureau site (the action line's "where"
    #: when the plan's check names no column)
    columns: list[str] = field(default_factory=list)
    candidates: list[Evidence] = field(default_factory=list)  # 可能相关的公开信息 (rules/candidates.py)

    @property
    def summary(self) -> str:
        """The rule's message; with documents at fault listed one by one, only its head sentence."""
        if self.facts.get("broken"):
            return self.message.split("：")[0]
        if any(e.at_fault for e in self.evidence):
            return self.message.split("；")[0]
        return self.message

    def evidence_for(self, unit: str | None) -> tuple[list[Evidence], list[Evidence]]:
        """(the documents at fault that are *unit*'s to fix, the documents not at fault). Other units'
        documents at fault are theirs: they show in neither list. A unit without documents of its own
        (a shared item, the requirement page) sees those no unit owns."""
        mine = set(self.documents.get(unit or "", []))
        if not mine:
            owned = {u for urls in self.documents.values() for u in urls}
            mine = {e.url for e in self.evidence if e.at_fault and (unit is None or e.url not in owned)}
        return ([e for e in self.evidence if e.at_fault and e.url in mine],
                [e for e in self.evidence if not e.at_fault])

    def how_for(self, unit: str | None) -> str:
        if unit in self.shared:
            return HOW["all"]
        return HOW.get(self.how.get(unit or "", ""), "")

    @property
    def label(self) -> str:
        return status_label(self.status)

    @property
    def action(self) -> str:
        """The sentence the unit acts on (what, where, by when), for the lead recipient's view."""
        return action_line(self, self.as_of)

    def action_for(self, unit: str | None) -> str:
        return action_line(self, self.as_of, unit)

    @property
    def key(self) -> tuple:
        """Identity of a finding across runs (for 'what changed')."""
        return (self.requirement.id, self.check, self.due_text)

    def sort_key(self) -> tuple:
        return (status_rank(self.status), self.due or dt.date.max, self.requirement.order,
                requirement_sort_key(self.requirement.id), self.check)


def _evidence(items: Any) -> list[Evidence]:
    out = []
    for e in items or []:
        if not isinstance(e, dict):
            e = {"url": str(e)}
        terms = e.get("terms") or []
        if isinstance(terms, str):
            terms = [terms]
        published = e.get("published")
        out.append(Evidence(url=str(e.get("url") or ""), title=str(e.get("title") or e.get("url") or ""),
                            published=to_date(published), published_text=str(published or ""),
                            terms=[str(t) for t in terms]))
    return out


def _own_words(problem: str, e: Evidence) -> str:
    """The rule's sentence without the document's label it starts with (the title is shown beside it)."""
    for head in (f"《{e.title}》（{e.published_text}）", f"《{e.title}》"):
        if problem.startswith(head):
            return problem[len(head):].lstrip("，：的")
    return problem


def _broken_links(facts: dict, lookup) -> list[Evidence]:
    """A links finding's evidence as staff read it: the article holding the link (its title) and the link's
    name (attachment name, the target's title, else its file name); the URLs stay behind them."""
    out = []
    for b in facts.get("broken") or []:
        if not isinstance(b, dict) or not b.get("page"):
            continue
        page, target = str(b["page"]), str(b.get("target") or "")
        doc = lookup(page) or {}
        name = str(b.get("text") or "") or str((lookup(target) or {}).get("title") or "") \
            or target.rstrip("/").rsplit("/", 1)[-1].split("filename=")[-1] or target
        name = " ".join(name.split())   # crawled words: one line, at most 60 characters (escaped where shown)
        name = name if len(name) <= 60 else name[:59] + "…"
        why = str(b.get("why") or "")
        out.append(Evidence(url=page, title=str(doc.get("title") or page), published=to_date(doc.get("published")),
                            published_text=str(doc.get("published") or "")[:10], terms=[], at_fault=True,
                            problem=f"其中“{name}”{'无法打开' if '附件' in why else '链接失效'}（{why}）", link=target))
    return out


def _with_candidates(store, run_id: int) -> list[dict]:
    """A run's stored findings with the candidate evidence kept beside them."""
    cands = stored_candidates(store, run_id)
    rows = store.findings(run_id)
    for r in rows:
        r["candidates"] = cands.get((r.get("requirement"), r.get("check")), [])
    return rows


def make_findings(rows: list[dict], plan: PlanIndex, router: DocumentRouter) -> list[Finding]:
    out = []
    for r in rows:
        units = [str(u) for u in (r.get("units") or [])]
        facts = dict(r.get("facts") or {})
        faults = [a for a in (facts.get("at_fault") or []) if isinstance(a, dict) and a.get("url")]
        route = router.route(units, [a["url"] for a in faults])
        evidence = _broken_links(facts, router.lookup) or _evidence(r.get("evidence"))
        by_url = {a["url"]: a for a in faults}
        for e in evidence:
            doc = router.lookup(e.url) or {}
            e.column = str(doc.get("column_name") or "") if doc.get("site") in (None, "bureau") else ""
            if e.url in by_url:
                e.at_fault, e.problem = True, _own_words(str(by_url[e.url].get("problem") or ""), e)
        out.append(Finding(
            id=r.get("id"), requirement=plan.get(r.get("requirement")), check=str(r.get("check") or r.get("check_name") or ""),
            units=units, status=str(r.get("status") or ""), due=to_date(r.get("due")), due_text=str(r.get("due") or ""),
            evidence=evidence, message=str(r.get("message") or ""),
            unassigned=bool(r.get("unassigned")) or not units, recipients=list(route.owners), via=route.via,
            facts=facts, shared=route.shared, how=route.owners, documents=route.documents,
            candidates=_evidence(r.get("candidates"))))
    return out


# --- per-unit view ---------------------------------------------------------------------------------

class _StatusCounts:
    """Counts over ``self.findings``, shared by a unit's view and the whole report."""
    findings: list

    @property
    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUS_ORDER}
        for f in self.findings:
            c[f.status] = c.get(f.status, 0) + 1
        return c

    @property
    def action_count(self) -> int:
        """Items still owed: gap + late (a late item was published, but after its deadline: it is
        counted so the unit explains it and does not repeat it). This is the number in the subject."""
        return sum(1 for f in self.findings if f.status in ACTION_STATUSES)


@dataclass
class UnitView(_StatusCounts):
    name: str
    kind: str
    emails: list[str]
    findings: list[Finding]
    changes: Changes
    known: bool = True
    shared: list[Finding] = field(default_factory=list)  # 全局共性事项: a group's items with no owner found

    def by(self, *statuses: str) -> list[Finding]:
        return [f for f in self.findings if f.status in statuses]

    @property
    def sections(self) -> list[tuple[str, str, list[Finding]]]:
        """Report order: gaps and late first, then at risk and pending, unverifiable, met, manual."""
        return [
            ("action", "缺失和逾期事项（请优先处理）", self.by("gap", "late")),
            ("watch", "临近期限和未到期事项", self.by("at_risk", "pending")),
            ("unverifiable", "无法核实的事项", self.by("unverifiable")),
            ("met", "已满足的事项及证据", self.by("met")),
            ("manual", "待人工确认的事项", self.by("manual")),
        ]


def unit_filename(name: str) -> str:
    """A file name for a unit (Chinese kept; path separators and reserved characters replaced)."""
    safe = re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", normalise_name(name)).strip("._")
    return safe or "unit"


# --- the whole model ----------------------------------------------------------------------------

@dataclass
class ReportModel(_StatusCounts):
    run: dict
    previous_run: dict | None
    as_of: str
    plan: PlanIndex
    findings: list[Finding]
    previous_findings: list[Finding] | None
    units: dict[str, UnitView]
    router: DocumentRouter
    registry: UnitRegistry
    lead: str
    generated: str
    history: list[dict]
    columns: list[dict]
    submissions: dict
    changes: Changes
    # When the crawl behind this check did not complete (or is old): the sentence saying how old the data is.
    data_note: str | None = None
    org_name: str = ""      # the bureau's name (configuration)

    @property
    def coverage(self) -> float | None:
        """Confirmed share: met ÷ (met + gap + late + unverifiable) — an item nobody could verify is not
        counted as covered. pending, at_risk (not yet due) and manual items are left out. None if nothing counts."""
        c = self.counts
        base = self.coverage_base
        return (c["met"] / base) if base else None

    @property
    def coverage_base(self) -> int:
        c = self.counts
        return c["met"] + c["gap"] + c["late"] + c["unverifiable"]

    @property
    def coverage_text(self) -> str:
        cov = self.coverage
        return "—" if cov is None else f"{cov * 100:.1f}%"

    @property
    def requirements(self) -> list[Requirement]:
        return self.plan.ordered(f.requirement.id for f in self.findings)

    @property
    def matrix_units(self) -> list[str]:
        names = [name for name, view in self.units.items() if view.findings]
        if any(f.shared for f in self.findings):
            names.append(SHARED_COLUMN)  # a group's items no section owns: one column, not one per member
        return names

    def cell(self, rid: str, unit: str) -> dict | None:
        if unit == SHARED_COLUMN:
            fs = [f for f in self.findings if f.requirement.id == rid and f.shared]
        else:
            fs = [f for f in self.findings if f.requirement.id == rid and unit in f.recipients]
        if not fs:
            return None
        status = worst(f.status for f in fs)
        worst_count = sum(1 for f in fs if f.status == status)
        text = (f"{worst_count}{status_label(status)}/{len(fs)}项" if len(fs) > 1 else status_label(status))
        return {"status": status, "label": status_label(status), "symbol": STATUS_SYMBOLS.get(status, ""),
                "count": len(fs), "worst_count": worst_count, "text": text, "findings": fs,
                "evidence": sum(len(f.evidence) for f in fs)}

    def requirement_findings(self, rid: str) -> list[Finding]:
        return sorted((f for f in self.findings if f.requirement.id == rid), key=Finding.sort_key)

    def requirement_status(self, rid: str) -> str | None:
        return worst(f.status for f in self.findings if f.requirement.id == rid)

    @property
    def unassigned(self) -> list[Finding]:
        return [f for f in self.findings if f.unassigned]

    @property
    def no_email_units(self) -> list[UnitView]:
        return [v for v in self.units.values() if v.findings and not v.emails]


def _unit_kind_and_emails(registry: UnitRegistry, name: str) -> tuple[str, list[str], bool]:
    unit = registry.get(name)
    if unit is None:
        return "unknown", [], False
    return unit.kind, list(unit.email), True


def _document_lookup(store):
    """URL → the stored document (column, publisher, 文号), cached: routing asks for each document at fault."""
    cache: dict[str, dict | None] = {}

    def lookup(url: str) -> dict | None:
        if url not in cache:
            cache[url] = store.get_document(url)
        return cache[url]
    return lookup


def _trend(store, limit: int = 30) -> list[dict]:
    runs = list(reversed(store.runs("check", limit=limit)))
    out = []
    for r in runs:
        if r.get("status") not in ("ok", None):
            continue
        counts = {s: 0 for s in STATUS_ORDER}
        for row in store.db.query(
                "select status, count(*) as n from findings where run_id = ? group by status", [r["id"]]):
            counts[row["status"]] = row["n"]
        out.append({"id": r["id"], "as_of": r.get("as_of") or (r.get("started") or "")[:10],
                    "gap": counts.get("gap", 0), "late": counts.get("late", 0), "counts": counts})
    return out


def build_model(store, plan: Any, config, run_id: int | None = None, *, registry: UnitRegistry | None = None,
                history: bool = True) -> ReportModel:
    """Join one check run (default: the latest finished one) with the plan and route it to units."""
    if run_id is None:
        run = store.latest_run("check")
        if run is None:
            raise LookupError("还没有检查结果：请先运行 zwgk check")
    else:
        run = store.run(run_id)
        if run is None or run.get("kind") != "check":
            raise LookupError(f"找不到检查批次 {run_id}")
    registry = registry or UnitRegistry.from_config(config)
    planx = plan if isinstance(plan, PlanIndex) else PlanIndex(plan)
    lookup = _document_lookup(store)
    router = DocumentRouter(registry, lookup)
    findings = make_findings(_with_candidates(store, run["id"]), planx, router)
    previous_id = previous_check_run(store, run["id"])
    previous_run = store.run(previous_id) if previous_id is not None else None
    previous = None
    if previous_run is not None:
        previous = make_findings(store.findings(previous_run["id"]), planx, DocumentRouter(registry, lookup))

    units: dict[str, UnitView] = {}
    order = [u.name for u in config.units if u.kind != "group"]
    recipients_seen = [r for f in findings for r in f.recipients + f.shared]
    for name in order + [r for r in recipients_seen if r not in order]:
        if name in units:
            continue
        kind, emails, known = _unit_kind_and_emails(registry, name)
        mine = sorted((f for f in findings if name in f.recipients), key=Finding.sort_key)
        shared = sorted((f for f in findings if name in f.shared), key=Finding.sort_key)
        before = [f for f in previous if name in f.recipients or name in f.shared] if previous is not None else None
        units[name] = UnitView(name=name, kind=kind, emails=emails, findings=mine, shared=shared,
                               changes=compute_changes(mine + shared, before, previous_run), known=known)

    as_of = run.get("as_of") or (run.get("started") or "")[:10]
    seen_columns: dict[str, list[str]] = {}
    for f in findings:
        cols = seen_columns.setdefault(f.requirement.id, [])
        for e in f.evidence:
            if e.column and e.column not in cols:
                cols.append(e.column)
    for f in findings + (previous or []):
        f.as_of = to_date(as_of)
        seen = seen_columns.get(f.requirement.id, [])
        owned = [c for c in seen if router.column_owner(c) in f.recipients]
        f.columns = owned[:2] or seen[:1]
    site_names = {**SOURCE_NAMES, **{k: s.name for k, s in getattr(config, "sites", {}).items()}}
    return ReportModel(
        data_note=data_freshness(store, before_run=run["id"]).get("note"), org_name=config.bureau_name,
        run=run, previous_run=previous_run, as_of=as_of, plan=planx, findings=findings,
        previous_findings=previous, units=units, router=router, registry=registry, lead=router.lead,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        history=_trend(store) if history else [],
        columns=column_rows(findings, site_names) if history else [],
        submissions=submission_table(store, findings, to_date(as_of),
                                 (run.get("stats") or {}).get("plan_year") or planx.year) if history else {},
        changes=compute_changes(findings, previous, previous_run))
