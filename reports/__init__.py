"""Reports: per-unit gap reports (HTML, XLSX, text) and the static coverage dashboard.

Entry point::

    from reports import render_reports
    summary = render_reports(store, plan, config, out_dir, run_id=None, unit=None)

``plan`` is the ``zwgk plan import --json`` dict (or None: requirement ids are shown with a note; or a
path to such a JSON/YAML file).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.vocabulary import STATUS_LABELS, STATUS_ORDER

from .model import ReportModel, UnitView, build_model, unit_filename
from .planview import PlanIndex, load_plan
from .statuses import ACTION_STATUSES
from .renderers import UNIT_KINDS, Reporter, reporter


def render_reports(store, plan: Any, config, out_dir: str | Path | None = None, run_id: int | None = None,
                   unit: str | None = None, *, model: ReportModel | None = None) -> dict:
    """Write the dashboard and every unit's report for one check run (default: the latest).

    With ``unit`` only that unit's three files are written (no dashboard). Returns a summary::

        {"run_id": 7, "as_of": "2020-12-31", "out_dir": "/abs/dir", "index": "/abs/dir/index.html" | None,
         "units": {"基础教育科": {"html": path, "xlsx": path, "txt": path, "counts": {...}, "action": 3}},
         "counts": {"gap": 5, ...}, "coverage": 0.72 | None, "requirements": 29}

    Raises ``LookupError`` when there is no check run, ``KeyError`` for an unknown unit.
    """
    out = Path(out_dir if out_dir is not None else config.reports_dir).resolve()
    m = model or build_model(store, plan, config, run_id)
    views: list[UnitView]
    if unit is not None:
        unit_cfg = m.registry.get(unit)
        name = unit_cfg.name if unit_cfg else unit
        if name not in m.units:
            known = "、".join(m.units)
            raise KeyError(f"未知单位“{unit}”（已知：{known}）")
        views = [m.units[name]]
    else:
        views = list(m.units.values())

    units: dict[str, dict] = {}
    reporters = [reporter(kind, m) for kind in UNIT_KINDS]
    for view in views:
        entry = {"counts": view.counts, "action": view.action_count, "findings": len(view.findings),
                 "emails": list(view.emails)}
        for r in reporters:
            entry[r.__kind__] = str(r.write_unit(out, view))
        units[view.name] = entry

    index = None
    if unit is None:
        written = reporter("dashboard", m).write_site(out)
        index = str(written[0])
    return {"run_id": m.run["id"], "as_of": m.as_of, "out_dir": str(out), "index": index, "units": units,
            "counts": m.counts, "action": m.action_count, "coverage": m.coverage,
            "requirements": len(m.requirements)}


__all__ = ["render_reports", "build_model", "load_plan", "PlanIndex", "ReportModel", "UnitView", "Reporter",
           "reporter", "unit_filename", "STATUS_ORDER", "STATUS_LABELS", "ACTION_STATUSES"]
