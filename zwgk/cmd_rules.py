"""Commands of the rules package: `zwgk plan …`, `zwgk check`, `zwgk attest`, `zwgk db import`.

Exit codes: 0 done; 1 `db import` with bad lines; 2 a plan, catalogue, configuration or argument error
(nothing evaluated).
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from crawler.config import load_config
from crawler.configcopy import save_checked_plan, save_config_copy
from crawler.store import now_iso
from crawler.units import UnitRegistry
from crawler.vocabulary import STATUS_LABELS, STATUS_ORDER
from rules.catalogue import load_catalogue, plan_path, write_plan_yaml
from rules.dbimport import import_jsonl
from rules.engine import counts, dumps, run_check
from rules.errors import PlanError
from rules.kinds import load_all
from rules.draft import draft_plan
from rules.plan import repeated_requirements, summary_lines
from rules.planread import import_plan, suggest, units_stanza
from reports.actions import plain
from reports.planview import requirement_sort_key

from .app import AppContext, iso_date, pass_app
from .bureau_context import across_bureaus, each_bureau, is_district_context
from .textwidth import pad


def _registry(app: AppContext):
    """The unit registry and lead unit from the configuration, or (None, 办公室) without one."""
    if app.config_path is None:
        return None, "办公室"
    cfg = app.config
    return UnitRegistry.from_config(cfg), cfg.lead_unit


def _shipped_registry():
    """Without --config, plan import still normalises units through the shipped unit list."""
    shipped = Path(__file__).resolve().parents[1] / "config" / "production.yaml"
    if not shipped.exists():
        return None, "办公室"
    cfg = load_config(shipped)
    return UnitRegistry.from_config(cfg), cfg.lead_unit


def _config(app: AppContext):
    return app.config if app.config_path is not None else None


def _fail(e: Exception) -> None:
    click.echo(f"zwgk: plan error: {e}", err=True)
    sys.exit(2)


def _plan_path(app: AppContext, given: str | None, year: int | None) -> Path:
    path = plan_path(given, _config(app), year=year)
    if path is None:
        raise PlanError("rules/plans", None, "(plan)", "no plan: pass --plan FILE")
    return path


def _load(app: AppContext, given: str | None, year: int | None = None):
    registry, lead = _registry(app)
    path = _plan_path(app, given, year)
    return load_catalogue(path, registry=registry, lead=lead), path, registry


# --- zwgk plan ---------------------------------------------------------------------------------

@click.group()
def plan():
    """The work plan: import it from Word, validate the catalogue, list rule kinds."""


@plan.command("import")
@click.argument("file")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write the plan, with checks drafted from its text, as YAML here.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--year", type=int, help="Plan year (default: from the title, the file name or the cover text).")
@click.option("--no-draft", is_flag=True, help="With -o: write the plan without drafted checks.")
@pass_app
def plan_import(app: AppContext, file, output, as_json, year, no_draft):
    """Read a work plan: FILE is a Word text export, .docx, .xlsx, .html or .pdf (told from the content),
    or the URL of the plan as published (one GET).

    Units are normalised through the configuration's aliases (without --config, the shipped unit list);
    units it does not know are kept as written and listed with a `units:` stanza to paste.
    """
    registry, lead = _registry(app)
    if registry is None:
        registry, lead = _shipped_registry()
    try:
        p = import_plan(file, registry=registry, lead=lead, year=year)
    except PlanError as e:
        _fail(e)
    for line in repeated_requirements(p):
        click.echo(f"zwgk plan import: warning: {file}: {line}", err=True)
    if output and not no_draft:
        draft_plan(p)
    if output:
        write_plan_yaml(p, output)
        try:
            load_catalogue(output, registry=registry, lead=lead)
        except PlanError as e:  # a drafted check the catalogue refuses is a bug in the drafter: say so
            _fail(PlanError(output, e.line, e.field, f"drafted check refused (a drafter bug): {e.problem}"))
    unknown = [{"name": n, "suggestion": suggest(n, registry) if registry is not None else None}
               for n in p.unknown_units]
    if as_json:
        data = p.to_dict(checks=bool(output and not no_draft))
        data["unknown_units"] = unknown
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in summary_lines(p):
        click.echo(line)
    if p.year is None:
        click.echo("\nyear: not found in the title, the file name or the cover text — pass --year YYYY "
                   "(until then checks use the year of --as-of)")
    if unknown:
        click.echo(f"\n{len(unknown)} unit(s) not in the configuration, kept as written (no e-mail address yet):")
        for u in unknown:
            click.echo(f"  {u['name']}" + (f"  — did you mean {u['suggestion']}?" if u["suggestion"] else ""))
        click.echo("Add them to the configuration (or an alias to a known unit):")
        click.echo(units_stanza(p.unknown_units))
    if output:
        checks = [c for r in p.requirements() for c in r.checks]
        web = sum(1 for c in checks if c.kind != "manual")
        click.echo(f"written: {output} ({len(checks)} drafted checks: {web} web, {len(checks) - web} manual)"
                   if checks else f"written: {output}")


@plan.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@pass_app
@across_bureaus
def plan_validate(app: AppContext, file):
    """Check a catalogue (default: the configured or packaged plan) without evaluating anything."""
    try:
        p, path, _ = _load(app, file)
    except PlanError as e:
        _fail(e)
    checks = [c for r in p.requirements() for c in r.checks]
    manual = sum(1 for c in checks if c.kind == "manual")
    click.echo(f"{path}: {len(p.requirements())} requirements, {len(checks)} checks "
               f"({len(checks) - manual} web, {manual} manual) — OK")


@plan.command("show")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@pass_app
def plan_show(app: AppContext, file):
    """Every requirement with its checks (kind, units; reason for manual ones)."""
    try:
        p, path, _ = _load(app, file)
    except PlanError as e:
        _fail(e)
    click.echo(f"{p.title or path}" + (f"（{p.year}）" if p.year else ""))
    for r in p.requirements():
        mark = "（未指定责任单位）" if r.unassigned else ""
        click.echo(f"{r.id:<5} {r.text[:40]}{'…' if len(r.text) > 40 else ''}  [{'、'.join(r.units)}]{mark}")
        for c in r.checks:
            extra = f" — {c.params.get('reason')}" if c.kind == "manual" else ""
            conf = f" [{c.confidence:.2f}]" if c.confidence is not None else ""
            click.echo(f"      · {c.kind:<15} {c.name}  → {'、'.join(c.units)}{conf}{extra}")
            if c.why:
                click.echo(f"          why: {c.why}")


@plan.command("kinds")
def plan_kinds():
    """The registered rule kinds and their parameters."""
    for name, kind in sorted(load_all().items()):
        click.echo(f"{name}: {kind.description}")
        for pname, p in kind.params.items():
            default = "required" if p.required else f"default {json.dumps(p.default, ensure_ascii=False)}"
            click.echo(f"    {pname} ({p.type}; {default}){': ' + p.doc if p.doc else ''}")


# --- zwgk check --------------------------------------------------------------------------------

@click.command()
@click.option("--as-of", "as_of", callback=iso_date, help="Evaluate as of this date (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), help="Catalogue file (default: config paths.plan, else rules/plans/<year>.yaml).")
@click.option("--horizon", type=click.IntRange(0), help="Days ahead that count as at_risk (default: the plan's, 30).")
@pass_app
def check(app: AppContext, as_of, as_json, plan_file, horizon):
    """Evaluate the plan's checks against the store; the findings are stored as a run.
    On a district configuration without --bureau: every bureau's plan against its store, then one line
    per bureau (with --json: one object, bureau key → findings)."""
    as_of = as_of or dt.date.today()
    if is_district_context(app):
        _check_district(app, as_of, as_json, plan_file, horizon)
        return
    _check_one(app, as_of, as_json, plan_file, horizon)


def _check_one(app: AppContext, as_of, as_json, plan_file, horizon, *, out=None) -> tuple[int, dict]:
    """One bureau's check: (check run id, counts by status); *out* collects the JSON instead of printing it."""
    try:
        p, path, registry = _load(app, plan_file, as_of.year)
    except PlanError as e:
        _fail(e)
    run_id, findings = run_check(app.store, p, as_of, config=_config(app), registry=registry,
                                 horizon_days=horizon, plan_path=str(path))
    # what reading commands need with the database alone: the plan as checked, the configuration
    save_checked_plan(app.store, run_id, p.to_dict(checks=True, meta=True), str(path), now_iso())
    if app.config_path is not None:
        save_config_copy(app.store, app.config, now_iso())
    c = counts(findings)
    if as_json:
        if out is not None:
            out.extend(json.loads(dumps(findings)))
        else:
            click.echo(dumps(findings))
        return run_id, c
    click.echo(f"{p.title or path} — 截至{as_of.isoformat()}，检查运行 #{run_id}，"
               f"{len(p.requirements())}项要求，{len(findings)}条结果")
    click.echo("  " + "  ".join(f"{STATUS_LABELS[s]} {c[s]}" for s in STATUS_ORDER))
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    for f in sorted(findings, key=lambda f: (order[f.status], requirement_sort_key(f.requirement))):
        due = f"  到期 {f.due}" if f.due else ""
        click.echo(f"{pad(STATUS_LABELS[f.status], 10)} {pad(f.requirement, 5)} {f.check}（{'、'.join(f.units) or '未指定'}）{due}")
        click.echo(f"{'':16}{plain(f.message)}")   # in full: the problem is the point
        for cand in f.candidates[:3]:   # 可能相关的公开信息: for the office to confirm (zwgk attest)
            click.echo(f"{'':16}可能相关（{cand['score']:.2f}）：《{plain(cand['title'])}》（{cand['published']}）{cand['url']}")
    return run_id, c


def _check_district(app, as_of, as_json, plan_file, horizon) -> None:
    """Every bureau's check; a bureau whose plan or store fails is named and the others still run."""
    results: dict[str, tuple[int, dict]] = {}
    found: dict[str, list] = {}

    def one(key, sub):
        found[key] = []
        results[key] = _check_one(sub, as_of, as_json, plan_file, horizon, out=found[key] if as_json else None)

    code = each_bureau(app, one, headings=not as_json)
    if as_json:
        click.echo(json.dumps({k: found[k] for k in results}, ensure_ascii=False, indent=1))
    else:
        click.echo(f"\n{len(results)}/{len(app.district.bureaus)} 个单位已检查（截至{as_of.isoformat()}）：")
        for key in app.district.bureaus:
            if key not in results:
                click.echo(f"  {pad(key, 12)} 未能检查（见上）")
                continue
            run_id, c = results[key]
            click.echo(f"  {pad(key, 12)} 检查运行 #{run_id}  " + "  ".join(f"{STATUS_LABELS[s]} {c[s]}" for s in STATUS_ORDER))
    if code:
        sys.exit(code)


# --- zwgk attest -------------------------------------------------------------------------------

@click.command()
@click.argument("requirement")
@click.option("--unit", required=True, help="The unit attesting (a name or alias).")
@click.option("--evidence", help="URL of the evidence (a document, a photo, a file share).")
@click.option("--note", required=True, help="What was done, in a sentence.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), help="Catalogue file (default as for check).")
@pass_app
def attest(app: AppContext, requirement, unit, evidence, note, plan_file):
    """Record that a unit did what REQUIREMENT asks (for manual checks); valid for the plan year."""
    try:
        p, path, registry = _load(app, plan_file)
    except PlanError as e:
        _fail(e)
    req = p.requirement(requirement)
    if req is None:
        click.echo(f"zwgk: attest: no requirement {requirement!r} in {path}", err=True)
        sys.exit(2)
    name = unit.strip()
    if registry is not None:
        try:
            name = registry.canonical(name)
        except KeyError:
            click.echo(f"zwgk: attest: unknown unit {unit!r}", err=True)
            sys.exit(2)
        allowed = set(req.units) | {c for ch in req.checks for c in ch.units}
        for u in list(allowed):
            allowed |= set(registry.members(u)) | set(registry.recipients(u))
        allowed.add(registry.canonical(registry.lead))
        if name not in allowed:
            click.echo(f"zwgk: attest: {name} is not responsible for {req.id} "
                       f"(units: {'、'.join(req.units)})", err=True)
            sys.exit(2)
    if not note.strip():
        click.echo("zwgk: attest: --note must say what was done", err=True)
        sys.exit(2)
    year = p.year or dt.date.today().year
    app.store.db["attestations"].insert({
        "requirement": req.id, "unit": name, "evidence": evidence, "note": note.strip(),
        "attested_at": now_iso(), "plan_year": year})
    click.echo(f"已记录：{name}确认{year}年要求{req.id}（{req.text[:20]}…）：{note.strip()}")


# --- zwgk db -----------------------------------------------------------------------------------

@click.group()
def db():
    """The document store: import documents from outside the crawl."""


@db.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@pass_app
def db_import(app: AppContext, file):
    """Add documents from a JSON-lines file (url, title, published, site, column, publisher, body, attachments)."""
    result = import_jsonl(app.new_store(), file)
    for n, problem in result.bad:
        click.echo(f"{file.name}:{n}: {problem}", err=True)
    c = result.counts
    click.echo(f"imported {c['new'] + c['changed'] + c['unchanged']} documents "
               f"(new {c['new']}, changed {c['changed']}, unchanged {c['unchanged']}); {len(result.bad)} bad lines")
    if result.bad:
        sys.exit(1)
