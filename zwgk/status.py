"""`zwgk status`: the last nights at a glance (from the ``nightly`` run summaries), `--json` for scripts.

    运行  开始              用时   结果  文档 新/改/撤  缺失      逾期  无法核实  已满足  邮件 发/败  告警 新/续/复
    #7   2021-01-02 02:00   38s   完成    2/0/0      6 (-3)    1     9 (+9)    17      14/0      8/0/0

Below the table: the latest night's stages (✓ ✗ –, durations, why a stage failed), the findings that
moved, the active crawl-health alarms, and how old the data is when the last crawl did not complete.
"""
from __future__ import annotations

import json
from pathlib import Path
import sys
import unicodedata

import click

from crawler.alarms import describe, local_time, samples_of
from crawler.vocabulary import STATUS_LABELS

from .app import AppContext, pass_app
from .bureau_context import is_district_context
from .district_status import district_status

STATUS_CN = {"ok": "完成", "failed": "失败", "interrupted": "中断", "running": "运行中"}
FINDING_CN = dict(STATUS_LABELS)   # one set of status names everywhere (crawler/vocabulary.py)
STAGE_MARK = {"ok": "✓", "failed": "✗", "skipped": "–", "interrupted": "✗"}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, w: int, right: bool = False) -> str:
    fill = " " * max(w - width(text), 0)
    return fill + text if right else text + fill


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    s = int(round(float(seconds)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def _signed(n: int) -> str:
    return f"{n:+d}" if n else ""


def _count(findings: dict, status: str) -> str:
    n = (findings.get("by_status") or {}).get(status)
    if n is None:
        return "—"
    d = (findings.get("delta") or {}).get(status, 0)
    return f"{n}" + (f" ({_signed(d)})" if d else "")


def run_row(run: dict) -> list[str]:

    s = run.get("stats") or {}
    docs = s.get("documents") or {}
    f = s.get("findings") or {}
    mail = s.get("mail") or {}
    alarms = s.get("alarms") or {}
    status = STATUS_CN.get(run.get("status"), run.get("status") or "")
    if run.get("status") == "failed" and s.get("failed_stage"):
        status += f"({s['failed_stage']})"
    return [f"#{run['id']}", local_time(run.get("started")), _duration(s.get("duration_s")), status,
            f"{docs.get('new', 0)}/{docs.get('changed', 0)}/{docs.get('withdrawn', 0)}" if docs else "—",
            _count(f, "gap"), _count(f, "late"), _count(f, "unverifiable"), _count(f, "met"),
            f"{mail.get('sent', 0)}/{mail.get('failed', 0)}" if mail else "—",
            f"{len(alarms.get('new') or [])}/{len(alarms.get('ongoing') or [])}/{len(alarms.get('resolved') or [])}"
            if alarms else "—"]


HEAD = ["运行", "开始", "用时", "结果", "文档 新/改/撤", "缺失", "逾期", "无法核实", "已满足", "邮件 发/败",
        "告警 新/续/复"]


def table(rows: list[list[str]]) -> str:
    allrows = [HEAD] + rows
    widths = [max(width(r[i]) for r in allrows) for i in range(len(HEAD))]
    lines = []
    for n, r in enumerate(allrows):
        cells = [pad(c, w, right=(i >= 4)) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def format_run(run: dict, verbose: bool = False) -> str:
    """One night's summary, as `zwgk nightly` prints it at the end and `zwgk status` for the latest night."""

    s = run.get("stats") or {}
    lines = [table([run_row(run)])]
    if not verbose:
        return "\n".join(lines)
    stages = s.get("stages") or {}
    if stages:
        parts = []
        for name, st in stages.items():
            mark = STAGE_MARK.get(st.get("status"), "?")
            parts.append(f"{mark} {name} {_duration(st.get('duration_s'))}" if st.get("status") != "skipped"
                         else f"{mark} {name}（跳过{'：' + st['error'] if st.get('error') else ''}）")
        lines.append("各阶段：" + " · ".join(parts))
        for name, st in stages.items():
            if st.get("status") in ("failed", "interrupted"):
                lines.append(f"  ✗ {name} {'失败' if st['status'] == 'failed' else '中断'}：{st.get('error') or '（见日志）'}")
    if s.get("reason") and run.get("status") != "ok":
        lines.append(f"失败原因：{s.get('failed_stage')}：{s['reason']}")
    f = s.get("findings") or {}
    if f.get("run"):
        moved = f.get("moved") or {}
        mv = "，".join(f"{_cn_move(k)} {v}" for k, v in sorted(moved.items(), key=lambda kv: -kv[1]))
        prev = f"（与检查批次 #{f['previous_run']} 比较）" if f.get("previous_run") else "（没有上一晚可比较）"
        lines.append(f"检查批次 #{f['run']}：" + "，".join(
            f"{FINDING_CN.get(k, k)} {v}" for k, v in sorted((f.get("by_status") or {}).items(),
                                                             key=lambda kv: list(FINDING_CN).index(kv[0])
                                                             if kv[0] in FINDING_CN else 99)) + prev)
        if mv:
            lines.append(f"  变化：{mv}")
        for g in (f.get("new_gaps") or [])[:10]:
            lines.append(f"  新增缺失：{g['requirement']} {g['check']}（{'、'.join(g['units'])}）")
        back = f.get("returned_gaps") or []
        if back:
            lines.append(f"  告警解除后重新核实为缺失 {len(back)} 项：" + "；".join(
                f"{g['requirement']} {g['check']}" for g in back[:10]))
    elif stages:
        lines.append("本次没有新的检查结果。")
    mail = s.get("mail") or {}
    if mail:
        lines.append(f"邮件：发送 {mail.get('sent', 0)}，失败 {mail.get('failed', 0)}，跳过 {mail.get('skipped', 0)}")
    alarms = s.get("alarms") or {}
    for key, label in (("new", "新告警"), ("resolved", "已恢复"), ("ongoing", "持续告警")):
        for a in alarms.get(key) or []:
            lines.append(f"  {label} #{a['id']}：{a['message']}")
    data = s.get("data") or {}
    if data.get("note"):
        lines.append(data["note"])
    if s.get("log"):
        lines.append(f"日志：{s['log']}")
    return "\n".join(lines)


def _cn_move(k: str) -> str:
    a, _, b = k.partition("→")
    return f"{FINDING_CN.get(a, a)}→{FINDING_CN.get(b, b)}"


@click.command()
@click.option("-n", "--last", "limit", default=7, show_default=True, help="How many nights.")
@click.option("--json", "as_json", is_flag=True, help="The run summaries and active alarms as JSON.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a critical alarm is open (default: exit 1).")
@pass_app
def status(app: AppContext, limit: int, as_json: bool, exit_zero: bool):
    """The last nights: start, duration, documents, findings and how they moved, mails, alarms.
    Exits 1 while a critical crawl alarm is open (for cron and monitoring), unless --exit-zero.
    On a district configuration without --bureau: one table of bureaus, exit 1 on a critical alarm in any."""
    if is_district_context(app):
        return district_status(app.district, as_json, exit_zero)
    store = app.store
    if not as_json:
        click.echo(f"数据库：{Path(app.db_path).resolve()}")
    runs = store.runs("nightly", limit=limit)
    active = store.active_alarms()
    if as_json:
        click.echo(json.dumps({"runs": runs, "alarms": active,
                               "latest": {k: (store.latest_run(k, status=None) or {}).get("id")
                                          for k in ("crawl", "check", "report", "mail", "nightly")}},
                              ensure_ascii=False, indent=1))
        _exit_on_critical(active, exit_zero)
        return
    if not runs:
        click.echo("还没有夜间运行（zwgk nightly）。")
        for kind in ("crawl", "check", "report", "mail"):
            r = store.latest_run(kind, status=None)
            if r:
                click.echo(f"  最近的 {kind}：#{r['id']} {local_time(r['started'])} {STATUS_CN.get(r['status'], r['status'])}")
    else:
        click.echo(f"最近 {len(runs)} 次夜间运行（新的在上）：")
        click.echo(table([run_row(r) for r in runs]))
        click.echo("")
        click.echo(f"最近一次（#{runs[0]['id']}）：")
        click.echo("\n".join(format_run(runs[0], verbose=True).splitlines()[2:]))
    click.echo("")
    if active:
        click.echo(f"当前抓取告警 {len(active)} 条（相关检查记为“无法核实”）：")
        config = app.config if app.config_path is not None else None
        names = {k: s.name for k, s in config.sites.items()} if config is not None else None
        for a in active:
            ex = samples_of(a)
            click.echo(f"  #{a['id']} {describe(a, names)}" + (f"\n      例：{ex[0]}" if ex else ""))
    else:
        click.echo("当前没有抓取告警。")
    _exit_on_critical(active, exit_zero)


def _exit_on_critical(active: list[dict], exit_zero: bool) -> None:
    """Exit 1 while a critical alarm is open (cron, monitoring), unless --exit-zero."""
    if not exit_zero and any(a.get("severity") == "critical" for a in active):
        sys.exit(1)
