"""The district overview: bureaus × coverage, the worst gaps first, each linking to its dashboard.

``zwgk --config district.yaml report`` renders every bureau's reports into ``<reports>/<key>/`` and
then this page at ``<reports>/index.html`` (plus ``overview.json``, the same rows for machines).
Bureau names come from configuration files, finding counts from the stores: all escaped.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from crawler.store import Store

from .planview import load_plan
from . import render_reports

STATUSES = ("gap", "late", "at_risk", "unverifiable", "manual", "met")
LABELS = {"gap": "缺失 gap", "late": "逾期 late", "at_risk": "临近期限 at risk", "unverifiable": "无法核实 unverifiable",
          "manual": "人工核实 manual", "met": "已满足 met"}


def order(rows: list[dict]) -> list[dict]:
    """Worst first: most gaps, then most late, then lowest coverage; bureaus without a check last."""
    def key(r):
        c = r.get("counts") or {}
        return (r.get("error") is not None, -c.get("gap", 0), -c.get("late", 0),
                r.get("coverage") if r.get("coverage") is not None else 2.0, r["key"])
    return sorted(rows, key=key)


def write_overview(out_dir: Path, rows: list[dict]) -> Path:
    """rows: {key, name, counts, coverage, requirements, index (dashboard path) | None, error | None}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = order(rows)
    e = html.escape
    head = "".join(f"<th>{e(LABELS[s])}</th>" for s in STATUSES)
    body = []
    for r in rows:
        name = e(r.get("name") or r["key"])
        if r.get("index"):
            rel = Path(r["index"]).resolve().relative_to(out_dir.resolve()).as_posix() \
                if Path(r["index"]).resolve().is_relative_to(out_dir.resolve()) else Path(r["index"]).resolve().as_uri()
            name = f'<a href="{e(rel)}">{name}</a>'
        if r.get("error"):
            cells = f'<td colspan="{len(STATUSES) + 2}">{e(r["error"])}</td>'
        else:
            c = r.get("counts") or {}
            cov = r.get("coverage")
            cells = "".join(f'<td class="n {s}">{int(c.get(s, 0))}</td>' for s in STATUSES)
            cells += f'<td class="n">{int(r.get("requirements") or 0)}</td>'
            cells += f'<td class="n">{"—" if cov is None else f"{cov:.0%}"}</td>'
        body.append(f"<tr><td>{e(r['key'])}</td><td>{name}</td>{cells}</tr>")
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>政务公开 · 各单位覆盖情况 overview</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em}}td.n{{text-align:right}}td.gap{{color:#b00}}td.late{{color:#c60}}</style>
</head><body><h1>政务公开各单位覆盖情况</h1>
<p>{len(rows)} 个单位，缺失最多的在前（worst gaps first）。点击单位名称查看其仪表盘。</p>
<table><thead><tr><th>key</th><th>单位 bureau</th>{head}<th>要求 requirements</th><th>覆盖率 coverage</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    (out_dir / "overview.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str),
                                           encoding="utf-8")
    return path


def district_report(district, plan_file: str | None = None) -> tuple[Path, list[dict]]:
    """Render every bureau's reports from its latest check run, then the overview page."""
    rows = []
    for key, cfg in district.bureaus.items():
        name = cfg.bureau_name
        row = {"key": key, "name": name, "counts": None, "coverage": None, "requirements": None,
               "index": None, "error": None}
        db = district.db_path(key)
        if not Path(db).exists():
            row["error"] = "还没有数据 (no store yet: run zwgk nightly)"
            rows.append(row)
            continue
        with Store(db) as store:
            try:
                plan = load_plan(cfg, plan_file, run=store.latest_run("check"))
                summary = render_reports(store, plan, cfg, cfg.reports_dir)
            except LookupError as e:
                row["error"] = f"没有检查结果 (no check run): {e.args[0] if e.args else e}"
                rows.append(row)
                continue
        row.update(counts=summary["counts"], coverage=summary.get("coverage"),
                   requirements=summary.get("requirements"), index=summary.get("index"))
        rows.append(row)
    return write_overview(district.reports_dir, rows), order(rows)
