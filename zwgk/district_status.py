"""`zwgk status` and `zwgk health` on a district without --bureau: one table of bureaus.

    单位  名称      最近夜间运行             最近抓取          缺失  逾期  无法核实  已满足  覆盖率  告警(严重)  数据库
    b01   教体局    #12 2021-01-02 02:00 完成  2021-01-02 02:00 完成   6     1       0     17  70.8%        0(0)  /srv/zwgk/var/b01/zwgk.db

Counts are those of the bureau's latest check run; coverage is the dashboard's (met ÷ met+gap+late+
unverifiable). Below the table, every open critical alarm with its bureau. Exit 1 while a critical
alarm is open in ANY bureau (unless --exit-zero), as `zwgk status` on one bureau.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crawler.alarms import describe, local_time, samples_of
from crawler.bureaus import District
from crawler.store import Store

from .textwidth import pad, width

RUN_CN = {"ok": "完成", "failed": "失败", "interrupted": "中断", "running": "运行中"}

HEAD = ["单位", "名称", "最近夜间运行", "最近抓取", "缺失", "逾期", "无法核实", "已满足", "覆盖率", "告警(严重)", "数据库"]
COUNTED = ("gap", "late", "unverifiable", "met")


def bureau_row(district: District, key: str) -> dict:
    """What status shows of one bureau, read from its store (nothing written)."""
    cfg = district.bureaus[key]
    db = Path(district.db_path(key)).resolve()
    row = {"key": key, "name": cfg.bureau_name, "db": str(db), "nightly": None, "crawl": None, "check": None,
           "counts": {}, "coverage": None, "alarms": [], "error": None}
    if not db.exists():
        row["error"] = "还没有数据库（zwgk nightly 之后才有）"
        return row
    with Store(db) as store:
        night = store.runs("nightly", limit=1)
        crawl = store.latest_run("crawl", status=None)
        check = store.latest_run("check")
        row["alarms"] = store.active_alarms()
        if check:
            row["counts"] = {s: n for s, n in store.db.execute(
                "select status, count(*) from findings where run_id = ? group by status", [check["id"]])}
    brief = lambda r: r and {"id": r["id"], "started": r["started"], "status": r["status"]}   # noqa: E731
    row.update(nightly=brief(night[0]) if night else None, crawl=brief(crawl), check=brief(check))
    base = sum(row["counts"].get(s, 0) for s in COUNTED)
    row["coverage"] = row["counts"].get("met", 0) / base if base else None
    return row


def _run_cell(run: dict | None, with_id: bool = True) -> str:
    if not run:
        return "—"
    return (f"#{run['id']} " if with_id else "") + f"{local_time(run['started'])} {RUN_CN.get(run['status'], run['status'])}"


def table_lines(rows: list[dict]) -> list[str]:
    cells = [HEAD]
    for r in rows:
        c = r["counts"]
        critical = sum(1 for a in r["alarms"] if a.get("severity") == "critical")
        counts = [str(c.get(s, 0)) if r["check"] else "—" for s in COUNTED]
        cells.append([r["key"], r["name"] or "—", _run_cell(r["nightly"]), _run_cell(r["crawl"], False), *counts,
                      "—" if r["coverage"] is None else f"{r['coverage']:.1%}", f"{len(r['alarms'])}({critical})",
                      r["error"] or r["db"]])
    widths = [max(width(row[i]) for row in cells) for i in range(len(HEAD))]
    return ["  ".join(pad(v, w, right=4 <= i <= 9) for i, (v, w) in enumerate(zip(row, widths))).rstrip()
            for row in cells]


def critical_open(rows: list[dict]) -> list[tuple[str, dict]]:
    return [(r["key"], a) for r in rows for a in r["alarms"] if a.get("severity") == "critical"]


def district_status(district: District, as_json: bool, exit_zero: bool) -> None:
    rows = [bureau_row(district, key) for key in district.bureaus]
    critical = critical_open(rows)
    if as_json:
        click.echo(json.dumps({"config": str(Path(district.path).resolve()), "bureaus": rows,
                               "critical_alarms": len(critical)}, ensure_ascii=False, indent=1, default=str))
    else:
        click.echo(f"区县配置：{Path(district.path).resolve()}（{len(rows)} 个单位）")
        click.echo("\n".join(table_lines(rows)))
        click.echo("")
        if critical:
            click.echo(f"严重告警 {len(critical)} 条（{len({k for k, _ in critical})} 个单位；相关检查记为“无法核实”）：")
            for key, a in critical:
                ex = samples_of(a)
                click.echo(f"  {key} #{a['id']} {describe(a)}" + (f"\n      例：{ex[0]}" if ex else ""))
            click.echo("单个单位的详情：zwgk --config … status --bureau KEY")
        else:
            click.echo("没有严重告警。")
    if critical and not exit_zero:
        sys.exit(1)


def district_health(district: District, show_all: bool, as_json: bool, exit_zero: bool, fmt) -> None:
    """`zwgk health` over every bureau: each bureau's alarms under its key; exit 1 on a critical one."""
    out, critical = {}, False
    for key in district.bureaus:
        db = Path(district.db_path(key))
        if not db.exists():
            out[key] = None
            continue
        with Store(db) as store:
            out[key] = store.alarms(None if show_all else "active", limit=200)
            critical = critical or any(a.get("severity") == "critical" for a in store.active_alarms())
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    else:
        for key, alarms in out.items():
            name = district.bureaus[key].bureau_name
            if alarms is None:
                click.echo(f"== {key} {name}：还没有数据库")
                continue
            click.echo(f"== {key} {name}：" + (f"{len(alarms)} 条告警" if alarms else "没有告警"))
            for a in alarms:
                click.echo(fmt(a, verbose=True))
    if critical and not exit_zero:
        sys.exit(1)
