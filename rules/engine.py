"""Evaluate a plan's checks against the store as of a date; findings out.

Statuses: ``met``; ``gap`` (missing and due); ``late`` (published after its deadline); ``at_risk`` (not
yet published, due within the horizon); ``pending`` (not yet due); ``unverifiable`` (the source could not
be read, so nothing can be concluded); ``manual`` (waits for a person's attestation).

Crawl health: while a crawl-health alarm is active on a source, the findings resting on it are
``unverifiable`` (rules/context.py). What every kind shares lives in rules/findings.py.

Time: only documents published on or before the as-of date exist for a check, so a store crawled in
December answers "what did we know on 1 March" too.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Iterable

from crawler.vocabulary import SITE_LABELS, STATUSES

from . import kinds as kinds_pkg
from .candidates import attach_candidates, store_candidates
from .context import Context, check_scope
from .failures import apply_failures
from .findings import Finding
from .match import doc_year, owned_by_bureau, owned_locally
from .plan import Plan

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
    attach_candidates(ctx, plan, out, own=owned_by_bureau, local=owned_locally, year_of=doc_year)
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
        store_candidates(store, run_id, findings)
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


