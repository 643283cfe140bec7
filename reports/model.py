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

from .changes import Changes, compute_changes, previous_check_run
from .columns import column_rows
from .planview import PlanIndex, Requirement, requirement_sort_key
from .statuses import ACTION_STATUSES, STATUS_SYMBOLS, status_label, status_rank, suggested_action, worst
from .submissions import submission_table

#: a source the configuration does not name
SOURCE_NAMES = {"bureau": "局网站", "province": "山东省（政务公开看山东）", "city": "济宁市（政务公开经验做法）",
                "district": "兖州区（政务公开看兖州）"}


# --- findings, routed ---------------------------------------------------------------------------

@dataclass
class Evidence:
    url: str
    title: str
    published: dt.date | None
    published_text: str
    terms: list[str]

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
    candidates: list[Evidence] = field(default_factory=list)  # 可能相关的公开信息 (rules/candidates.py)

    @property
    def label(self) -> str:
        return status_label(self.status)

    @property
    def kind(self) -> str:
        """The rule kind (presence, deadline, submissions …) when the plan's catalogue names it, else the check."""
        return self.requirement.checks.get(self.check) or self.check

    @property
    def action(self) -> str:
        return suggested_action(self.kind, self.status)

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


class Router:
    """Finding units → recipient units; unknown names and empty lists go to the lead office."""

    def __init__(self, registry: UnitRegistry):
        self.registry = registry
        self.unknown: set[str] = set()
        self.groups: dict[str, list[str]] = {}  # group name → recipients it was routed to

    def route(self, names: list[str]) -> tuple[list[str], dict[str, str]]:
        out: list[str] = []
        via: dict[str, str] = {}
        lead = self.lead
        if not names:
            return [lead], {}
        for name in names:
            unit = self.registry.get(name)
            if unit is None:
                self.unknown.add(name)
                recipients = [lead]
            else:
                recipients = self.registry.recipients(name)
                if unit.kind == "group":
                    self.groups[unit.name] = recipients
                    for r in recipients:
                        via.setdefault(r, unit.name)
            for r in recipients:
                if r not in out:
                    out.append(r)
        direct = {u.name for u in (self.registry.get(n) for n in names) if u is not None and u.kind != "group"}
        return out, {r: g for r, g in via.items() if r not in direct}

    @property
    def lead(self) -> str:
        try:
            return self.registry.canonical(self.registry.lead)
        except KeyError:
            return self.registry.lead


def _with_candidates(store, run_id: int) -> list[dict]:
    """A run's stored findings with the candidate evidence kept beside them."""
    from rules.candidates import stored_candidates
    cands = stored_candidates(store, run_id)
    rows = store.findings(run_id)
    for r in rows:
        r["candidates"] = cands.get((r.get("requirement"), r.get("check")), [])
    return rows


def make_findings(rows: list[dict], plan: PlanIndex, router: Router) -> list[Finding]:
    out = []
    for r in rows:
        units = [str(u) for u in (r.get("units") or [])]
        recipients, via = router.route(units)
        out.append(Finding(
            id=r.get("id"), requirement=plan.get(r.get("requirement")), check=str(r.get("check") or r.get("check_name") or ""),
            units=units, status=str(r.get("status") or ""), due=to_date(r.get("due")), due_text=str(r.get("due") or ""),
            evidence=_evidence(r.get("evidence")), message=str(r.get("message") or ""),
            unassigned=bool(r.get("unassigned")) or not units, recipients=recipients, via=via,
            facts=dict(r.get("facts") or {}), candidates=_evidence(r.get("candidates"))))
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
    router: Router
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
        return [name for name, view in self.units.items() if view.findings]

    def cell(self, rid: str, unit: str) -> dict | None:
        fs = [f for f in self.findings if f.requirement.id == rid and unit in f.recipients]
        if not fs:
            return None
        status = worst(f.status for f in fs)
        return {"status": status, "label": status_label(status), "symbol": STATUS_SYMBOLS.get(status, ""),
                "count": len(fs), "findings": fs, "evidence": sum(len(f.evidence) for f in fs)}

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
    router = Router(registry)
    findings = make_findings(_with_candidates(store, run["id"]), planx, router)
    previous_id = previous_check_run(store, run["id"])
    previous_run = store.run(previous_id) if previous_id is not None else None
    previous = None
    if previous_run is not None:
        previous = make_findings(store.findings(previous_run["id"]), planx, Router(registry))

    units: dict[str, UnitView] = {}
    order = [u.name for u in config.units if u.kind != "group"]
    recipients_seen = [r for f in findings for r in f.recipients]
    for name in order + [r for r in recipients_seen if r not in order]:
        if name in units:
            continue
        kind, emails, known = _unit_kind_and_emails(registry, name)
        mine = sorted((f for f in findings if name in f.recipients), key=Finding.sort_key)
        before = [f for f in previous if name in f.recipients] if previous is not None else None
        units[name] = UnitView(name=name, kind=kind, emails=emails, findings=mine,
                               changes=compute_changes(mine, before, previous_run), known=known)

    as_of = run.get("as_of") or (run.get("started") or "")[:10]
    site_names = {**SOURCE_NAMES, **{k: s.name for k, s in getattr(config, "sites", {}).items()}}
    return ReportModel(
        data_note=data_freshness(store, before_run=run["id"]).get("note"), org_name=config.bureau_name,
        run=run, previous_run=previous_run, as_of=as_of, plan=planx, findings=findings,
        previous_findings=previous, units=units, router=router, registry=registry, lead=router.lead,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        history=_trend(store) if history else [],
        columns=column_rows(store, to_date(as_of), site_names, config) if history else [],
        submissions=submission_table(store, findings, to_date(as_of),
                                 (run.get("stats") or {}).get("plan_year") or planx.year) if history else {},
        changes=compute_changes(findings, previous, previous_run))
