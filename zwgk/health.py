"""`zwgk health`: crawl-health alarms, the monitors run by hand, an alarm accepted."""
from __future__ import annotations

import json
import sys

import click

from crawler.alarms import accept_alarm, describe, samples_of
from spiders.health import evaluate_crawl

from .bureau_context import is_district_context
from .district_status import district_health


def _num(v) -> str:
    if isinstance(v, float):
        return f"{v:.0f}" if v == int(v) or abs(v) >= 10 else f"{v:.2f}".rstrip("0").rstrip(".")
    return "—" if v is None else str(v)


def _fmt_alarm(a: dict, verbose: bool = False) -> str:
    state = {"active": "告警中", "resolved": "已恢复", "accepted": "已确认"}.get(a["state"], a["state"])
    head = f"#{a['id']:<4} {state:<4} {a['severity']:<8} {a['monitor']:<17} {describe(a)}"
    if not verbose:
        return head
    ev = a.get("evidence") or {}
    runs = "、".join(f"#{r}" for r in ev.get("baseline_runs") or []) or "—"
    lines = [head, f"      从 {_num(ev.get('from'))} 到 {_num(ev.get('to'))}（指标 {ev.get('metric')}，"
                   f"基线取自抓取 {runs}；本次抓取 #{ev.get('crawl_run')}）"]
    for u in samples_of(a):
        lines.append(f"      例：{u}")
    if a.get("resolution"):
        lines.append(f"      {a['resolution']}")
    return "\n".join(lines)


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also resolved and accepted alarms.")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a critical alarm is open (default: exit 1).")
@click.pass_context
def health(ctx, show_all, as_json, exit_zero):
    """Crawl-health alarms (active by default); `evaluate` runs the monitors, `accept` closes one.
    Exits 1 while a critical alarm is open, unless --exit-zero."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.obj
    if is_district_context(app):   # every bureau's alarms; evaluate/accept need --bureau
        return district_health(app.district, show_all, as_json, exit_zero, _fmt_alarm)
    rows = app.store.alarms(None if show_all else "active", limit=200)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not rows:
        click.echo("没有告警。" if not show_all else "还没有任何告警。")
    for a in rows if not as_json else []:
        click.echo(_fmt_alarm(a, verbose=True))
    if not exit_zero and any(a.get("severity") == "critical" for a in app.store.active_alarms()):
        ctx.exit(1)


@health.command("evaluate")
@click.option("--run", "run_id", type=int, help="Crawl run to evaluate (default: the latest).")
@click.option("--crawl-log", type=click.Path(dir_okay=False),
              help="Accepted for old scripts and ignored: timeouts and sample URLs now come from the run's stats.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def health_evaluate(app, run_id, crawl_log, as_json):  # noqa: ARG001 — crawl_log: see the option
    """Run the monitors on a crawl run: record its figures, open/resolve alarms."""
    config = app.config if app.config_path is not None else None
    result = evaluate_crawl(app.store, config, run_id)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if result.note:
        click.echo(result.note)
        return
    click.echo(f"抓取运行 #{result.crawl_run_id}：检查 {len(result.sites)} 个来源、{result.metrics} 项指标；"
               f"新告警 {len(result.new)}，持续 {len(result.ongoing)}，恢复 {len(result.resolved)}")
    for aid in result.new + result.ongoing + result.resolved:
        click.echo(_fmt_alarm(app.store.alarm(aid)))


@health.command("accept")
@click.argument("alarm_id", type=int)
@click.option("--note", help="Why the new level is right (e.g. 栏目已合并).")
@click.pass_obj
def health_accept(app, alarm_id, note):
    """Accept an alarm's new level as normal: it closes, later nights are compared with the new level."""
    try:
        a = accept_alarm(app.store, alarm_id, note)
    except LookupError as e:
        click.echo(f"zwgk health: {e}", err=True)
        sys.exit(1)
    click.echo(_fmt_alarm(a, verbose=True))
