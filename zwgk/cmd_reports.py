"""`zwgk report` and `zwgk mail` (registered by zwgk/cli.py COMMAND_MODULES)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.configcopy import checked_plan
from reports.overview import district_report

from .app import AppContext, pass_app
from .bureau_context import NeedsOneBureau, district_of, each_bureau


def _plan_for(app: AppContext, plan_file: str | None, run_id: int | None, config=None):
    from reports.planview import load_plan  # deferred: jinja2 and openpyxl load only to report

    store = app.store
    run = store.run(run_id) if run_id is not None else store.latest_run("check")
    try:   # the plan as that run checked it, kept by the store, unless --plan says otherwise
        return load_plan(config or app.config, plan_file, run=run, checked=checked_plan(store, (run or {}).get("id")))
    except FileNotFoundError as e:
        raise click.UsageError(str(e)) from None


def _no_run(e: LookupError) -> None:
    click.echo(f"zwgk: {e.args[0] if e.args else e}", err=True)
    sys.exit(1)


@click.command()
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: paths.reports from the config).")
@click.option("--unit", "unit", metavar="NAME", help="Only this unit's report (canonical name or alias).")
@click.option("--run", "run_id", type=int, metavar="ID", help="Check run to report (default: the latest).")
@click.option("--plan", "plan_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Plan JSON (zwgk plan import --json) or YAML; default: paths.plan, then rules/plans/<year>.yaml.")
@pass_app
def report(app: AppContext, out_dir: Path | None, unit: str | None, run_id: int | None, plan_file: str | None):
    """Write the dashboard (index.html) and each unit's report (HTML, XLSX, text) from the latest check run."""
    from reports import render_reports  # deferred: jinja2 and openpyxl load only to report

    if _district_report(app, out_dir, unit, run_id, plan_file):
        return
    store = app.store
    config = app.config_to_read   # the configuration file, else the store's copy of it
    plan = _plan_for(app, plan_file, run_id, config)
    out = out_dir or config.reports_dir
    try:
        summary = render_reports(store, plan, config, out, run_id=run_id, unit=unit)
    except LookupError as e:
        if isinstance(e, KeyError):
            click.echo(f"zwgk: {e.args[0]}", err=True)
            sys.exit(2)
        _no_run(e)
        return
    rid = store.start_run("report", as_of=summary["as_of"])
    store.finish_run(rid, "ok", {"check_run": summary["run_id"], "out_dir": summary["out_dir"],
                                 "units": len(summary["units"]), "counts": summary["counts"]})
    if plan is None:
        click.echo("注意：没有找到计划文件，报告中的要求只显示编号（用 --plan 或配置 paths.plan 指定）。", err=True)
    counts = summary["counts"]
    click.echo(f"检查批次 #{summary['run_id']}（截至 {summary['as_of']}）：{summary['requirements']} 项要求，"
               f"缺失 {counts['gap']}，逾期公开 {counts['late']}，临近期限 {counts['at_risk']}，已满足 {counts['met']}。")
    for name, entry in summary["units"].items():
        click.echo(f"  {name}：待处理 {entry['action']} 项 → {entry['html']}")
    if summary["index"]:
        click.echo(f"仪表盘：{summary['index']}")


def _district_report(app: AppContext, out_dir: Path | None, unit: str | None, run_id: int | None,
                     plan_file: str | None) -> bool:
    """A district configuration without --bureau: every bureau's reports and the overview page
    (reports/overview.py); ``--out DIR``: the overview in DIR, bureau KEY's reports in DIR/KEY."""
    district = district_of(app)
    if district is None:
        return False
    if unit is not None or run_id is not None:
        raise NeedsOneBureau(district, "--unit and --run name one bureau's unit or check run")
    page, rows = district_report(district, plan_file, out_dir)
    for r in rows:
        c = r["counts"] or {}
        click.echo(f"  {r['key']:<12} " + (r["error"] or f"缺失 {c.get('gap', 0)}，逾期公开 {c.get('late', 0)}，"
                                                         f"已满足 {c.get('met', 0)} → {r['index']}"))
    click.echo(f"总览 overview：{page}")
    return True


@click.command()
@click.option("--dry-run", is_flag=True, help="Write the .eml files to the outbox only; send nothing.")
@click.option("--run", "run_id", type=int, metavar="ID", help="Check run to deliver (default: the latest).")
@click.option("--plan", "plan_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Plan JSON or YAML (as for zwgk report).")
@click.option("-v", "--verbose", is_flag=True, help="One line per message.")
@pass_app
def mail(app: AppContext, dry_run: bool, run_id: int | None, plan_file: str | None, verbose: bool):
    """E-mail each unit its report (and the office a summary); resumes where the last run stopped.
    On a district configuration without --bureau: every bureau's mails, then the overview to the district
    office (``office:`` in the district file)."""
    if district_of(app) is not None:     # also a district of one: its office gets the overview
        if run_id is not None:
            raise NeedsOneBureau(app.district, "--run names one bureau's check run")
        sys.exit(_mail_district(app, dry_run, plan_file, verbose))
    code, _ = _mail_one(app, dry_run, run_id, plan_file, verbose)
    if code:
        sys.exit(code)


def _mail_one(app: AppContext, dry_run: bool, run_id: int | None, plan_file: str | None, verbose: bool):
    """One bureau's delivery: (exit code, the report model its mails were built from)."""
    from reports.mailer import send_reports  # deferred: jinja2 and openpyxl load only to mail
    from reports.model import build_model

    config = app.config
    store = app.store
    plan = _plan_for(app, plan_file, run_id)
    try:
        model = build_model(store, plan, config, run_id, history=False)
        result = send_reports(store, config, plan, run_id=run_id, dry_run=dry_run, model=model,
                              log=click.echo if verbose else None)
    except LookupError as e:
        _no_run(e)
        return 1, None
    c = result.counts
    rid = store.start_run("mail", as_of=None)
    store.finish_run(rid, "failed" if c["failed"] else "ok", {"check_run": result.run_id, **c})
    for unit, error in result.failed:
        click.echo(f"  失败：{unit}：{error}", err=True)
    reasons: dict[str, int] = {}
    for _, why in result.skipped:
        reasons[why] = reasons.get(why, 0) + 1
    why = "，".join(f"{k} {v}" for k, v in reasons.items())
    if dry_run:
        click.echo(f"试运行（未发送）：写入 {c['dry_run']} 封，跳过 {c['skipped']} 封{f'（{why}）' if why else ''}。")
    else:
        click.echo(f"已发送 {c['sent']} 封，失败 {c['failed']} 封，跳过 {c['skipped']} 封"
                   f"{f'（{why}）' if why else ''}。")
    click.echo(f"sent={c['sent']} failed={c['failed']} skipped={c['skipped']} dry_run={c['dry_run']}")
    click.echo(f"发件箱：{result.outbox.resolve()}")
    if c["failed"]:
        click.echo("有邮件发送失败：修复后再运行 zwgk mail，只会重发失败的邮件。", err=True)
        return 1, model
    return 0, model


def _mail_district(app, dry_run: bool, plan_file: str | None, verbose: bool) -> int:
    """Each bureau's mails, then the district office's overview (zwgk/district_mail.py)."""
    from reports.overview import overview_row

    from .district_mail import send_overview

    district, rows = app.district, {}

    def one(key, sub):
        rows[key] = {"key": key, "name": sub.config.bureau_name, "error": "没有检查结果 (no check run)"}
        code, model = _mail_one(sub, dry_run, None, plan_file, verbose)
        if model is not None:
            index = Path(sub.config.reports_dir) / "index.html"
            rows[key] = overview_row(key, sub.config.bureau_name, model, str(index) if index.exists() else None)
        if code:
            sys.exit(code)

    code = each_bureau(app, one)
    sent = send_overview(district, [rows[k] for k in district.bureaus if k in rows], dry_run=dry_run)
    click.echo(f"区县总览 → {district.office_name}：{sent.message}")
    return max(code, 1 if sent.failed else 0)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open a web browser.")
@click.option("--metadata-only", "metadata_only", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Only write the Datasette metadata (Chinese labels, canned queries) to FILE.")
@pass_app
def browse(app: AppContext, host: str, port: int, open_browser: bool, metadata_only: Path | None):
    """Browse the store in Datasette (Chinese labels; canned queries incl. jieba-segmented full-text search)."""
    from reports import browse as b  # deferred: Datasette loads only to browse

    db = app.db_path
    copy = app.config if app.config_path is not None else app.stored_config
    bureau = copy.bureau_name if copy is not None else None
    if metadata_only:
        click.echo(f"元数据：{b.write_metadata(db, metadata_only, bureau).resolve()}")
        return
    app.store  # says where it looked when there is no database; migrates first, so Datasette sees the current schema
    meta = b.write_metadata(db, Path(db).with_name("datasette-metadata.json"), bureau)
    click.echo(f"Datasette：http://{host}:{port}/  （Ctrl+C 结束）")
    b.serve(db, meta, host=host, port=port, open_browser=open_browser)   # becomes Datasette (exec)
