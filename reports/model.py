"""What every report and e-mail is made of: one check run's findings, joined with the plan and routed to units.

Reports only read: the store (runs, findings, columns, documents) and the plan. The plan is the JSON shape
printed by ``zwgk plan import --json``::

    {"sections": [{"title": …, "tasks": [{"number": 1, "title": …,
                    "requirements": [{"id": "1.2", "text": …, "units": [...]}]}]}]}

Everything shown to people is Simplified Chinese.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from crawler.units import UnitRegistry, normalise_name

# --- statuses ----------------------------------------------------------------------------------

#: display (and severity) order: the first is the worst
STATUS_ORDER = ("gap", "late", "at_risk", "unverifiable", "pending", "manual", "met")
STATUS_LABELS = {
    "gap": "缺失",
    "late": "逾期公开",
    "at_risk": "临近期限",
    "unverifiable": "无法核实",
    "pending": "未到期",
    "manual": "待人工确认",
    "met": "已满足",
}
#: a symbol beside every colour, so colour is never the only signal (also in print)
STATUS_SYMBOLS = {
    "gap": "✗", "late": "◷", "at_risk": "!", "unverifiable": "?", "pending": "…", "manual": "✎", "met": "✓",
}
STATUS_COLOURS = {  # (background, text) — also used inline in e-mail
    "gap": ("#fbd5d0", "#8a1c0f"),
    "late": ("#fde2c4", "#7a3d00"),
    "at_risk": ("#fff1b8", "#5c4400"),
    "unverifiable": ("#e4dcf2", "#47306e"),
    "pending": ("#dbe8f5", "#1e3f63"),
    "manual": ("#e8e8e8", "#333333"),
    "met": ("#d3efd6", "#1b5e20"),
}
#: statuses a unit must act on; the e-mail subject counts these (see ``action_count``)
ACTION_STATUSES = ("gap", "late")
_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}


def status_rank(status: str) -> int:
    return _RANK.get(status, len(STATUS_ORDER))


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status or "未知")


def worst(statuses: Iterable[str]) -> str | None:
    statuses = list(statuses)
    return min(statuses, key=status_rank) if statuses else None


# --- suggested actions -------------------------------------------------------------------------

# (substring of the check name, status) → what the unit should do; the first match wins.
_ACTIONS: list[tuple[str, tuple[str, ...], str]] = [
    ("manual", ("manual",), "通过办公室提交落实情况的证明材料（会议记录、制度文件或网页链接），由办公室登记确认（zwgk attest）。"),
    ("consult", ("gap", "late", "at_risk"), "征求意见期限一般不少于30日：补充说明缩短期限的理由，征求意见结束后及时公开意见收集和采纳情况。"),
    ("interpret", ("gap", "late", "at_risk"), "按“三同步”要求，在政策文件公开后3个工作日内发布政策解读（文字或图解），并与原文相互链接。"),
    ("fresh", ("gap", "at_risk"), "及时更新该栏目；确无内容的栏目应整合或注明，避免出现空白栏目和长期未更新栏目。"),
    ("link", ("gap", "at_risk"), "修复或删除失效链接、补齐缺失的附件，修复后告知办公室复核。"),
    ("submission", ("gap", "at_risk"), "按季度向上级政务公开栏目（政务公开看山东、政务公开经验做法、政务公开看兖州）报送本单位信息，补足本季度差额。"),
    ("annual", ("gap", "at_risk"), "每年1月31日前公开上一年度政府信息公开工作年度报告，内容包含规定的六个部分。"),
    ("enrol", ("gap", "at_risk"), "在招生季按时公开招生政策（实施方案）、招生范围（学区划分）、招生计划和招生结果。"),
    ("periodic", ("gap", "at_risk"), "按期（月/季/半年）公开执行情况，补发缺少期次的内容。"),
]
_DEFAULT_ACTIONS = {
    "gap": "请在本单位负责的栏目尽快公开上述信息，公开后将链接告知办公室复核。",
    "late": "该信息已公开但超过时限：今后在信息形成或变更之日起20个工作日内公开，并核对发布日期。",
    "at_risk": "临近公开期限，请提前准备并按时公开。",
    "pending": "尚未到期，请按计划推进。",
    "unverifiable": "数据来源暂时无法读取，请确认栏目可正常访问；恢复后将重新核查。",
    "manual": "通过办公室提交落实情况的证明材料，由办公室登记确认（zwgk attest）。",
    "met": "已满足，请保持。",
}


def suggested_action(check: str | None, status: str) -> str:
    name = (check or "").lower()
    for needle, statuses, text in _ACTIONS:
        if needle in name and status in statuses:
            return text
    return _DEFAULT_ACTIONS.get(status, "")


# --- dates --------------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    m = _DATE.match(str(value).strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


# --- the plan -----------------------------------------------------------------------------------

@dataclass
class Requirement:
    id: str
    text: str
    units: list[str] = field(default_factory=list)
    section: str = ""
    task_number: Any = None
    task_title: str = ""
    order: int = 10 ** 6
    in_plan: bool = True
    checks: dict[str, str] = field(default_factory=dict)  # check name → rule kind (from a catalogue)

    @property
    def short(self) -> str:
        return self.text if len(self.text) <= 40 else self.text[:38] + "……"


def requirement_sort_key(rid: str) -> tuple:
    parts = re.split(r"[.．\-]", str(rid))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def plan_to_dict(plan: Any) -> dict | None:
    """Accept the plan as a dict, a JSON/YAML file path, or an object from rules/ (to_dict/as_dict/dataclass)."""
    if plan is None:
        return None
    if isinstance(plan, (str, Path)):
        path = Path(plan)
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            return plan_to_dict(json.loads(text))
        import yaml
        return plan_to_dict(yaml.safe_load(text))
    if isinstance(plan, dict):
        return plan
    for attr in ("to_dict", "as_dict", "dict", "model_dump"):
        fn = getattr(plan, attr, None)
        if callable(fn):
            return plan_to_dict(fn())
    if dataclasses.is_dataclass(plan):
        return dataclasses.asdict(plan)
    if isinstance(plan, list):
        return {"sections": [{"title": "", "tasks": [{"number": None, "title": "", "requirements": plan}]}]}
    sections = getattr(plan, "sections", None)
    if sections is not None:
        return {"title": getattr(plan, "title", None), "year": getattr(plan, "year", None),
                "sections": [_obj_to_dict(s) for s in sections]}
    raise TypeError(f"cannot read a plan from {type(plan).__name__}")


def _obj_to_dict(obj: Any) -> Any:
    if isinstance(obj, dict):
        return obj
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, (list, tuple)):
        return [_obj_to_dict(o) for o in obj]
    if hasattr(obj, "__dict__"):
        return {k: _obj_to_dict(v) for k, v in vars(obj).items() if not k.startswith("_")}
    return obj


def _get(obj: Any, key: str, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


class PlanIndex:
    """Requirement texts in the plan's own words, in plan order; a placeholder for ids the plan lacks."""

    def __init__(self, plan: Any = None):
        data = plan_to_dict(plan) or {}
        self.title = str(data.get("title") or "").strip()
        self.year = data.get("year")
        self.loaded = bool(data)
        self.requirements: dict[str, Requirement] = {}
        order = 0
        sections = data.get("sections") or []
        if not sections and data.get("requirements"):
            sections = [{"title": "", "tasks": [{"number": None, "title": "", "requirements": data["requirements"]}]}]
        for section in sections:
            stitle = str(_get(section, "title") or "").strip()
            for task in _get(section, "tasks") or []:
                for req in _get(task, "requirements") or []:
                    rid = str(_get(req, "id") or "").strip()
                    if not rid:
                        continue
                    order += 1
                    self.requirements[rid] = Requirement(
                        id=rid, text=str(_get(req, "text") or "").strip(),
                        units=[str(u) for u in (_get(req, "units") or [])],
                        section=stitle, task_number=_get(task, "number"),
                        task_title=str(_get(task, "title") or "").strip(), order=order,
                        checks={str(_get(c, "name")): str(_get(c, "kind") or "")
                                for c in (_get(req, "checks") or []) if _get(c, "name")})
        if not self.title:
            self.title = f"{self.year}年政务公开工作要点" if self.year else "政务公开工作要点"

    def get(self, rid: str) -> Requirement:
        rid = str(rid)
        req = self.requirements.get(rid)
        if req is None:
            req = Requirement(id=rid, text=f"要求 {rid}（计划中未找到该要求的原文）", in_plan=False)
            self.requirements[rid] = req
        return req

    def ordered(self, ids: Iterable[str]) -> list[Requirement]:
        reqs = [self.get(i) for i in set(ids)]
        return sorted(reqs, key=lambda r: (r.order, requirement_sort_key(r.id)))


PLANS_DIR = Path(__file__).resolve().parents[1] / "rules" / "plans"


def _read_plan_file(path: Path) -> dict | None:
    try:  # the rules package owns the plan format: prefer its loader when it has one
        from rules import plan as rules_plan  # type: ignore
        loader = getattr(rules_plan, "load_plan", None)
    except Exception:
        loader = None
    if callable(loader):
        try:
            return plan_to_dict(loader(path))
        except Exception:
            pass
    return plan_to_dict(path)  # the JSON/YAML shape documented above (extra keys such as checks are ignored)


def load_plan(config=None, path: str | Path | None = None, *, year: int | None = None,
              run: dict | None = None) -> dict | None:
    """Find the plan whose texts the reports quote. First found wins:

    1. ``path`` (``--plan FILE``: JSON from ``zwgk plan import --json``, or a YAML plan/catalogue);
    2. the check run's stats ``plan`` / ``plan_path`` if rules recorded one;
    3. ``paths.plan`` from the configuration;
    4. ``rules/plans/<year>.yaml`` (year of the run's as-of date), else the newest file there.

    Returns None when there is none: reports then show requirement ids with a note.
    """
    candidates: list[Path] = []
    if path:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"计划文件不存在：{p}")
        candidates.append(p)
    stats = (run or {}).get("stats") or {}
    for key in ("plan_path", "plan"):
        if isinstance(stats.get(key), str):
            candidates.append(Path(stats[key]))
    if config is not None and getattr(config, "plan_path", None):
        candidates.append(Path(config.plan_path))
    if year is None and run and run.get("as_of"):
        d = parse_date(run["as_of"])
        year = d.year if d else None
    if PLANS_DIR.is_dir():
        if year:
            candidates += [PLANS_DIR / f"{year}{ext}" for ext in (".yaml", ".yml", ".json")]
        candidates += sorted((p for p in PLANS_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".json")),
                             key=lambda p: p.stem, reverse=True)
    for p in candidates:
        if p.is_file():
            try:
                data = _read_plan_file(p)
            except Exception:
                if path and p == Path(path):
                    raise
                continue
            if data and (data.get("sections") or data.get("requirements")):
                return data
    return None


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
                            published=parse_date(published), published_text=str(published or ""),
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
            units=units, status=str(r.get("status") or ""), due=parse_date(r.get("due")), due_text=str(r.get("due") or ""),
            evidence=_evidence(r.get("evidence")), message=str(r.get("message") or ""),
            unassigned=bool(r.get("unassigned")) or not units, recipients=recipients, via=via,
            candidates=_evidence(r.get("candidates"))))
    return out


# --- per-unit view ------------------------------------------------------------------------------

@dataclass
class Changes:
    previous_run: dict | None
    new_gaps: list[Finding] = field(default_factory=list)
    closed_gaps: list[tuple[Finding | None, Finding]] = field(default_factory=list)  # (now, before)
    new_evidence: list[tuple[Finding, Evidence]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new_gaps or self.closed_gaps or self.new_evidence)


def compute_changes(current: list[Finding], previous: list[Finding] | None, previous_run: dict | None) -> Changes:
    ch = Changes(previous_run=previous_run)
    if previous is None:
        return ch
    prev_by_key: dict[tuple, list[Finding]] = {}
    for f in previous:
        prev_by_key.setdefault(f.key, []).append(f)
    cur_by_key: dict[tuple, list[Finding]] = {}
    for f in current:
        cur_by_key.setdefault(f.key, []).append(f)
    for key, fs in cur_by_key.items():
        before = prev_by_key.get(key, [])
        was_gap = any(b.status in ACTION_STATUSES for b in before)
        old_urls = {e.url for b in before for e in b.evidence}
        for f in fs:
            if f.status in ACTION_STATUSES and not was_gap:
                ch.new_gaps.append(f)
            for e in f.evidence:
                if e.url and e.url not in old_urls:
                    ch.new_evidence.append((f, e))
                    old_urls.add(e.url)
    for key, before in prev_by_key.items():
        old_gaps = [b for b in before if b.status in ACTION_STATUSES]
        if not old_gaps:
            continue
        now = cur_by_key.get(key, [])
        if any(f.status in ACTION_STATUSES for f in now):
            continue
        ch.closed_gaps.append((now[0] if now else None, old_gaps[0]))
    ch.new_gaps.sort(key=Finding.sort_key)
    ch.closed_gaps.sort(key=lambda p: p[1].sort_key())
    return ch


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


FRESHNESS_LIMITS = {"动态": 14, "要闻": 14, "通知公告": 183, "政策文件": 183, "人事": 365, "规划计划": 365}
try:  # the freshness rule's own defaults win, so the dashboard's verdicts are the rule's
    from rules.kinds.freshness import DEFAULT_LIMITS as _RULE_LIMITS
    FRESHNESS_LIMITS.update(_RULE_LIMITS)
except Exception:  # pragma: no cover - reports work without the rules package
    pass

try:  # the crawler's classifier (政务动态 → 动态 …), so the dashboard and the freshness rule agree
    from crawler.columns import infer_class as _infer_class
except ImportError:  # pragma: no cover - older trees
    def _infer_class(*texts):
        for text in texts:
            for word in ("动态", "要闻", "通知公告", "政策文件", "人事", "规划计划"):
                if text and word in text:
                    return "动态" if word == "要闻" else word
        return "other"


def _configured_classes(config) -> dict[tuple[str, str], str]:
    out = {}
    for key, site in (getattr(config, "sites", None) or {}).items():
        for c in getattr(site, "columns", None) or []:
            cls = getattr(c, "cls", None)
            if cls and cls != "other":
                out[(key, str(getattr(c, "id", "")))] = cls
    return out


def column_class(stored: str | None, configured: str | None, name: str | None) -> str:
    """A column's freshness class as the freshness rule sees it: stored class, else the configured one,
    else what its name reveals (工作动态 → 动态), else ``other`` (no time limit)."""
    if stored and stored != "other":
        return stored
    if configured and configured != "other":
        return configured
    return _infer_class(name) or "other"


def _columns(store, as_of: dt.date | None, site_names: dict[str, str], config=None) -> list[dict]:
    try:
        cols = store.columns()
    except Exception:
        return []
    configured = _configured_classes(config)
    newest: dict[tuple, dt.date] = {}  # the newest stored item of each column, as of the check date
    try:
        rows = store.db.query(
            "select site, column_id, max(substr(published, 1, 10)) as newest from documents "
            "where published is not null and published != '' and substr(published, 1, 10) <= ? "
            "and coalesce(state, 'live') != 'withdrawn' group by site, column_id",
            [(as_of or dt.date.max).isoformat()])
        for r in rows:
            d = parse_date(r["newest"])
            if d:
                newest[(r["site"], str(r["column_id"]))] = d
    except Exception:
        pass
    out = []
    for c in cols:
        last = parse_date(c.get("last_item_date"))
        if last and as_of and last > as_of:  # an item dated after the as-of date does not count
            last = None
        stored = newest.get((c.get("site"), str(c.get("column_id"))))
        if stored and (last is None or stored > last):
            last = stored
        days = (as_of - last).days if (as_of and last) else None
        name = c.get("name") or c.get("column_id")
        cls = column_class(c.get("class"), configured.get((c.get("site"), str(c.get("column_id")))), name)
        limit = FRESHNESS_LIMITS.get(cls)
        state = c.get("state") or "normal"
        if state == "unverifiable":
            verdict, status = "无法核实", "unverifiable"
        elif state == "blank" and last is None:
            verdict, status = "空白栏目", "gap"
        elif days is None:
            verdict, status = "无日期", "unverifiable"
        elif limit is not None and days > limit:
            verdict, status = f"超期（{days - limit}天）", "gap"
        elif limit is None:
            verdict, status = "未设时限", "met"
        else:
            verdict, status = "正常", "met"
        out.append({"site": c.get("site"), "site_name": site_names.get(c.get("site"), c.get("site")),
                    "name": name, "url": c.get("url"), "class": cls,
                    "last_item_date": last.isoformat() if last else "", "days": days, "limit": limit,
                    "items": c.get("item_count"), "state": state, "verdict": verdict, "status": status,
                    "reason": c.get("reason") or ""})
    out.sort(key=lambda c: (status_rank(c["status"]), c["site"] or "", -(c["days"] or 0), c["name"] or ""))
    return out


def column_sources(columns: list[dict], site_order: Iterable[str] = ()) -> list[dict]:
    """Freshness per source: one row per site with its columns counted by verdict, the newest item and
    how many days ago it was, and the site's columns (worst first)."""
    by_site: dict[str, dict] = {}
    for c in columns:
        s = by_site.setdefault(c["site"], {"site": c["site"], "site_name": c["site_name"], "columns": [],
                                           "total": 0, "stale": 0, "blank": 0, "unverifiable": 0, "ok": 0,
                                           "newest": "", "days": None})
        s["columns"].append(c)
        s["total"] += 1
        if c["verdict"] == "空白栏目":
            s["blank"] += 1
        elif c["status"] == "unverifiable":
            s["unverifiable"] += 1
        elif c["status"] == "gap":
            s["stale"] += 1
        else:
            s["ok"] += 1
        if c["last_item_date"] and c["last_item_date"] > s["newest"]:
            s["newest"], s["days"] = c["last_item_date"], c["days"]
    order = {k: i for i, k in enumerate(site_order)}
    out = sorted(by_site.values(), key=lambda s: (order.get(s["site"], len(order)), s["site"] or ""))
    for s in out:
        s["status"] = ("gap" if (s["stale"] or s["blank"]) else
                       "unverifiable" if s["unverifiable"] else "met")
    return out


_TARGET = re.compile(r"(?:目标|要求|应报送|不少于|至少)\D{0,6}(\d+)")
_OF = re.compile(r"(\d+)\s*/\s*(\d+)")
SUBMISSION_SITES = ("province", "city", "district")
SUBMISSION_SITE_NAMES = {"province": "政务公开看山东", "city": "政务公开经验做法", "district": "政务公开看兖州"}
#: a source the configuration does not name
SOURCE_NAMES = {"bureau": "局网站", "province": "山东省（政务公开看山东）", "city": "济宁市（政务公开经验做法）",
                "district": "兖州区（政务公开看兖州）"}


def is_submissions(f: Finding) -> bool:
    return "submission" in f.kind.lower() or "报送" in f.check


_RULE_COUNTS = re.compile(r"(Q[1-4]\s*\d+\s*/\s*\d+(?:\s*[，,、]\s*Q[1-4]\s*\d+\s*/\s*\d+)*)")
_RULE_ONE = re.compile(r"Q([1-4])\s*(\d+)\s*/\s*(\d+)")


def _rule_counts(message: str, year: int | None) -> tuple[dict, dict]:
    """What the submissions rule wrote in its message — ``政务公开看山东 Q1 1/1，Q2 0/1 …`` per site — as
    ({site: {quarter: count}}, {site: {quarter: target}}). Empty when the message has another shape."""
    counts: dict[str, dict[str, int]] = {}
    targets: dict[str, dict[str, int]] = {}
    if not year:
        return counts, targets
    for site, label in SUBMISSION_SITE_NAMES.items():
        for m in re.finditer(re.escape(label) + r"\s*" + _RULE_COUNTS.pattern, message):
            for q, n, t in _RULE_ONE.findall(m.group(1)):
                counts.setdefault(site, {})[f"{year}Q{q}"] = int(n)
                targets.setdefault(site, {})[f"{year}Q{q}"] = int(t)
    return counts, targets


def _submissions(store, findings: list[Finding], as_of: dt.date | None, year: int | None) -> dict:
    """The bureau's items in the upper columns per quarter against the target.

    Counts and targets come from the submissions rule's own message (``政务公开看山东 Q1 1/1 …``) when it
    has that shape; otherwise each evidence URL of the submissions findings is looked up in the store for
    its site and date, and the target is read from the message (``目标3条``).

    Returns {"quarters": [...], "sites": [...], "counts": {site: {quarter: n}}, "target": n | None,
    "targets": {site: {quarter: n}}, "site_names": {...}} or {}.
    """
    subs = [f for f in findings if is_submissions(f)]
    if not subs:
        return {}
    year = int(year) if year else (as_of.year if as_of else None)
    counts: dict[str, dict[str, int]] = {s: {} for s in SUBMISSION_SITES}
    seen: set[str] = set()
    quarters: set[str] = set()
    if year:
        for q in range(1, 5):
            if as_of is None or dt.date(year, 3 * q - 2, 1) <= as_of:
                quarters.add(f"{year}Q{q}")
    target = None
    rule_counts: dict[str, dict[str, int]] = {}
    targets: dict[str, dict[str, int]] = {}
    for f in subs:
        rc, rt = _rule_counts(f.message, year)
        for site, qs in rc.items():
            rule_counts.setdefault(site, {}).update(qs)
        for site, qs in rt.items():
            targets.setdefault(site, {}).update(qs)
        if not rt:
            m = _TARGET.search(f.message) or _OF.search(f.message)
            if m:
                target = max(target or 0, int(m.group(m.re.groups)))
        for e in f.evidence:
            if not e.url or e.url in seen:
                continue
            seen.add(e.url)
            try:
                doc = store.get_document(e.url) or {}
            except Exception:
                doc = {}
            site = doc.get("site")
            day = e.published or parse_date(doc.get("published"))
            if site not in counts or day is None or (year and day.year != year):
                continue
            q = quarter_of(day)
            quarters.add(q)
            counts[site][q] = counts[site].get(q, 0) + 1
    for site, qs in rule_counts.items():  # the rule's numbers are the ones its status rests on
        counts[site] = dict(qs)
        quarters.update(qs)
    if targets:
        values = {t for qs in targets.values() for t in qs.values()}
        target = values.pop() if len(values) == 1 else None
    elif target is not None:
        targets = {s: {q: target for q in quarters} for s in SUBMISSION_SITES}
    if not quarters:
        return {}
    cells: dict[str, dict[str, dict]] = {}
    for site in SUBMISSION_SITES:
        for q in sorted(quarters):
            n = counts[site].get(q, 0)
            t = (targets.get(site) or {}).get(q, target)
            end = _quarter_end(q)
            if t is None:
                status = None
            elif n >= t:
                status = "met"
            elif end is not None and as_of is not None and end <= as_of:
                status = "gap"
            else:
                status = "pending"
            cells.setdefault(site, {})[q] = {"count": n, "target": t, "status": status}
    return {"quarters": sorted(quarters), "sites": list(SUBMISSION_SITES), "counts": counts, "target": target,
            "targets": targets, "cells": cells, "site_names": SUBMISSION_SITE_NAMES}


def _quarter_end(q: str) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})Q([1-4])", q)
    if not m:
        return None
    year, n = int(m[1]), int(m[2])
    return dt.date(year, 12, 31) if n == 4 else dt.date(year, 3 * n + 1, 1) - dt.timedelta(days=1)


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
    previous_run = store.latest_run("check", before=run["id"])
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
    from crawler.health import data_freshness

    return ReportModel(
        data_note=data_freshness(store, before_run=run["id"]).get("note"),
        run=run, previous_run=previous_run, as_of=as_of, plan=planx, findings=findings,
        previous_findings=previous, units=units, router=router, registry=registry, lead=router.lead,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        history=_trend(store) if history else [],
        columns=_columns(store, parse_date(as_of), site_names, config) if history else [],
        submissions=_submissions(store, findings, parse_date(as_of),
                                 (run.get("stats") or {}).get("plan_year") or planx.year) if history else {},
        changes=compute_changes(findings, previous, previous_run))
