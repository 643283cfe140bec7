"""Pages that failed to load make what rests on them unverifiable, never a gap.

The crawl records every list page and every not-yet-stored article it could not load after its retries
(``failed_pages`` in each site's summary of the ``runs`` row, spiders/column.py); a column whose list
walk failed is stored ``unverifiable``. A web check whose scope (rules.engine.check_scope) covers such a
page or column cannot say "the item is not there": its ``gap``/``at_risk`` (and ``met`` for kinds whose
``met`` only means nothing wrong was found) becomes ``unverifiable``, naming the failed addresses.
"""
from __future__ import annotations

import json

from .findings import mark_unverifiable

STATUSES = ("gap", "at_risk")
SHOWN = 5   # failed addresses named in a finding's message


def latest_failures(store) -> dict[str, list[dict]]:
    """site -> the pages its latest finished crawl failed to load ({url, column_id, kind, error})."""
    out: dict[str, list[dict]] = {}
    try:
        rows = store.db.query("select stats from runs where kind = 'crawl' and finished is not null "
                              "order by id desc limit 50")
        for row in rows:
            try:
                stats = json.loads(row["stats"] or "{}")
            except ValueError:
                continue
            for site, summary in stats.items():
                if isinstance(summary, dict) and "requests" in summary and site not in out:
                    out[site] = [f for f in summary.get("failed_pages") or [] if isinstance(f, dict)]
    except Exception:  # noqa: BLE001 — an older store or a plain object in tests
        return {}
    return out


def failure_problem(ctx, scope: dict, labels: dict) -> tuple[str, list[str]] | None:
    """Why the sources in *scope* (rules.engine.check_scope: site -> None or column words) were not
    completely read (failed pages, failed lists), or None."""
    urls: list[str] = []
    columns: list[str] = []
    for site, wanted in scope.items():
        for c in ctx.columns:
            if c["site"] != site or c.get("state") != "unverifiable" or c.get("walk") != "failed":
                continue
            if wanted is None or ctx._column_in(site, c["column_id"], wanted):
                columns.append(f"{labels.get(site, site)}栏目“{c.get('name') or c['column_id']}”"
                               f"（{c.get('url')}：{(c.get('reason') or '')[:80]}）")
                if c.get("url"):
                    urls.append(c["url"])
        for f in ctx.failed_pages.get(site, []):
            if wanted is None or (f.get("column_id") is not None
                                  and ctx._column_in(site, str(f["column_id"]), wanted)):
                urls.append(f["url"])
    if not urls and not columns:
        return None
    urls = list(dict.fromkeys(urls))
    parts = []
    if columns:
        parts.append("栏目列表读取失败：" + "；".join(columns[:SHOWN]))
    pages = [u for u in urls if not any(u in c for c in columns)]
    if pages:
        parts.append(f"{len(pages)}个页面重试后仍读取失败：" + "、".join(pages[:SHOWN])
                     + ("等" if len(pages) > SHOWN else ""))
    return "；".join(parts), urls


def apply_failures(ctx, scope: dict, labels: dict, found: list, met_by_absence: bool = False) -> list:
    statuses = STATUSES + (("met",) if met_by_absence else ())
    if not ctx.use_failures or not any(f.status in statuses for f in found):
        return found
    got = failure_problem(ctx, scope, labels)
    if got is None:
        return found
    problem, urls = got
    n = mark_unverifiable(found, statuses, "页面读取失败", "页面全部读取", problem)
    ctx.failure_findings += n
    if n:
        ctx.failed_urls_cited.update(urls)
    return found
