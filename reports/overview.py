"""The district overview: bureaus × coverage, the worst gaps first, each linking to its dashboard.

``zwgk --config district.yaml report`` renders every bureau's reports into ``<reports>/<key>/`` and
then this page at ``<reports>/index.html`` (plus ``overview.json``, the same rows for machines);
``zwgk --config district.yaml mail`` sends the same table to the district office (``office:`` in the
district file) after every bureau's own mails (``build_overview_message``).
Bureau names come from configuration files, finding counts from the stores: all escaped.
"""
from __future__ import annotations

import html
import json
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
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


def _cells(r: dict, link: str | None) -> str:
    e = html.escape
    name = e(r.get("name") or r["key"])
    if link:
        name = f'<a href="{e(link)}">{name}</a>'
    if r.get("error"):
        cells = f'<td colspan="{len(STATUSES) + 2}">{e(r["error"])}</td>'
    else:
        c = r.get("counts") or {}
        cov = r.get("coverage")
        cells = "".join(f'<td class="n {s}">{int(c.get(s, 0))}</td>' for s in STATUSES)
        cells += f'<td class="n">{int(r.get("requirements") or 0)}</td>'
        cells += f'<td class="n">{"—" if cov is None else f"{cov:.0%}"}</td>'
    return f"<tr><td>{e(r['key'])}</td><td>{name}</td>{cells}</tr>"


def table_html(rows: list[dict], base: Path | None) -> str:
    """The bureaus table, worst first; a bureau's name links to its dashboard (relative to *base* when
    the dashboard lies under it, else its file URI)."""
    head = "".join(f"<th>{html.escape(LABELS[s])}</th>" for s in STATUSES)
    body = []
    for r in order(rows):
        link = None
        if r.get("index"):
            index = Path(r["index"]).resolve()
            link = index.relative_to(base.resolve()).as_posix() if base is not None and \
                index.is_relative_to(base.resolve()) else index.as_uri()
        body.append(_cells(r, link))
    return (f"<table><thead><tr><th>key</th><th>单位 bureau</th>{head}<th>要求 requirements</th>"
            f"<th>覆盖率 coverage</th></tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table>")


STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:.3em .6em}td.n{text-align:right}td.gap{color:#b00}td.late{color:#c60}")


def write_overview(out_dir: Path, rows: list[dict]) -> Path:
    """rows: {key, name, counts, coverage, requirements, index (dashboard path) | None, error | None}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = order(rows)
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>政务公开 · 各单位覆盖情况 overview</title>
<style>{STYLE}</style>
</head><body><h1>政务公开各单位覆盖情况</h1>
<p>{len(rows)} 个单位，缺失最多的在前（worst gaps first）。点击单位名称查看其仪表盘。</p>
{table_html(rows, out_dir)}</body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    (out_dir / "overview.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str),
                                           encoding="utf-8")
    return path


def overview_row(key: str, name: str, model, index: str | None) -> dict:
    """A bureau's overview row from its report model (the numbers its dashboard and mails show)."""
    return {"key": key, "name": name, "counts": dict(model.counts), "coverage": model.coverage,
            "requirements": len(model.requirements), "index": index, "error": None, "as_of": model.as_of,
            "check_run": model.run["id"]}


def overview_text(rows: list[dict]) -> str:
    lines = []
    for r in order(rows):
        if r.get("error"):
            lines.append(f"{r['key']}  {r.get('name') or ''}：{r['error']}")
            continue
        c, cov = r.get("counts") or {}, r.get("coverage")
        lines.append(f"{r['key']}  {r.get('name') or ''}：" + "，".join(f"{LABELS[s].split()[0]} {int(c.get(s, 0))}"
                                                                  for s in STATUSES)
                     + f"，覆盖率 {'—' if cov is None else f'{cov:.0%}'}" + (f"\n    仪表盘：{r['index']}" if r.get("index") else ""))
    return "\n".join(lines)


def build_overview_message(office_name: str, recipients: list[str], sender: str, rows: list[dict],
                           overview_page: Path | None) -> EmailMessage:
    """The district office's summary: bureaus × coverage, the worst gaps first, links to each dashboard."""
    rows = order(rows)
    gaps = sum(int((r.get("counts") or {}).get("gap", 0)) for r in rows)
    late = sum(int((r.get("counts") or {}).get("late", 0)) for r in rows)
    dates = sorted({r["as_of"] for r in rows if r.get("as_of")})
    as_of = dates[-1] if dates else "—"
    msg = EmailMessage()
    msg["Subject"] = f"【政务公开】各单位汇总：{len(rows)}个单位，缺失{gaps}项，逾期{late}项（截至{as_of}）"
    msg["From"] = sender
    msg["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid("zwgk.overview", sender.rsplit("@", 1)[-1] if "@" in sender else "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    where = f"总览页面：{Path(overview_page).resolve()}" if overview_page else "总览页面：运行 zwgk report 生成"
    msg.set_content(f"{office_name}：\n\n各单位政务公开覆盖情况（缺失最多的在前）：\n\n{overview_text(rows)}\n\n{where}\n")
    link = f'<p><a href="{html.escape(Path(overview_page).resolve().as_uri())}">总览页面</a></p>' if overview_page else ""
    msg.add_alternative(f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
                        f"<p>{html.escape(office_name)}：</p><p>各单位政务公开覆盖情况，缺失最多的在前。"
                        f"点击单位名称查看其仪表盘。</p>{table_html(rows, None)}{link}</body></html>", subtype="html")
    return msg


def district_report(district, plan_file: str | None = None, out_dir: Path | None = None, *,
                    render: bool = True) -> tuple[Path, list[dict]]:
    """Render every bureau's reports from its latest check run, then the overview page (in *out_dir*,
    bureau KEY's reports in *out_dir*/KEY, when given; else the configured reports folders).
    ``render=False``: the overview alone, from the same report models (the bureaus' own nights have
    just rendered their reports from those check runs)."""
    from .model import build_model

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
        folder = Path(out_dir) / key if out_dir else Path(cfg.reports_dir)
        with Store(db) as store:
            try:
                plan = load_plan(cfg, plan_file, run=store.latest_run("check"))
                if render:
                    summary = render_reports(store, plan, cfg, folder)
                else:
                    index = folder / "index.html"
                    rows.append(overview_row(key, name, build_model(store, plan, cfg, history=False),
                                             str(index.resolve()) if index.exists() else None))
                    continue
            except LookupError as e:
                row["error"] = f"没有检查结果 (no check run): {e.args[0] if e.args else e}"
                rows.append(row)
                continue
        row.update(counts=summary["counts"], coverage=summary.get("coverage"),
                   requirements=summary.get("requirements"), index=summary.get("index"),
                   as_of=summary.get("as_of"), check_run=summary.get("run_id"))
        rows.append(row)
    return write_overview(Path(out_dir) if out_dir else district.reports_dir, rows), order(rows)
