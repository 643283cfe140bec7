"""Inline SVG charts for the dashboard: no script, no CDN, readable on paper.

Every bar carries its number as text (colour is never the only signal); every label is escaped.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from .actions import plain
from .statuses import STATUS_COLOURS

_FONT = 'font-family="Microsoft YaHei, WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"'
SITE_FILLS = {"province": "#4e79a7", "city": "#f28e2b", "district": "#59a14f"}
SITE_PATTERNS = {"province": "", "city": "url(#hatch-city)", "district": "url(#hatch-district)"}


def _text_width(text: str, size: int = 12) -> int:
    """Rough width of a label: a Hanzi is one em, anything else about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in str(text)).__ceil__()


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" {_FONT} font-size="12">'
            f'<title>{escape(title)}</title>'
            '<defs><pattern id="hatch-city" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="#f28e2b"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>'
            '<pattern id="hatch-district" width="6" height="6" patternUnits="userSpaceOnUse">'
            '<rect width="6" height="6" fill="#59a14f"/><circle cx="3" cy="3" r="1.2" fill="#fff"/></pattern></defs>')
    return Markup(head + "".join(body) + "</svg>")


def gap_trend(history: list[dict]) -> Markup | None:
    """Stacked bars (缺失 below, 逾期 above) per check run, with the numbers printed."""
    if not history:
        return None
    n = len(history)
    bar_w = max(14, min(40, 560 // max(n, 1) - 8))
    width = max(340, 60 + n * (bar_w + 8) + 20)
    height = 240
    top, bottom, left = 34, 190, 44
    peak = max((h["gap"] + h["late"]) for h in history) or 1
    scale = (bottom - top) / peak
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#555"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#555"/>',
            f'<text x="{left - 6}" y="{bottom + 4}" text-anchor="end">0</text>',
            f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>']
    gap_fill, gap_text = STATUS_COLOURS["gap"]
    late_fill, late_text = STATUS_COLOURS["late"]
    for i, h in enumerate(history):
        x = left + 8 + i * (bar_w + 8)
        g_h = h["gap"] * scale
        l_h = h["late"] * scale
        label = escape(f'批次{h["id"]}（{h["as_of"]}）：缺失{h["gap"]}项，逾期公开{h["late"]}项')
        body.append(f'<g class="trend-bar" data-run="{int(h["id"])}"><title>{label}</title>')
        body.append(f'<rect x="{x}" y="{bottom - g_h:.1f}" width="{bar_w}" height="{g_h:.1f}" fill="{gap_fill}" stroke="{gap_text}"/>')
        body.append(f'<rect x="{x}" y="{bottom - g_h - l_h:.1f}" width="{bar_w}" height="{l_h:.1f}" fill="{late_fill}" '
                    f'stroke="{late_text}" stroke-dasharray="3 2"/>')
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{bottom - g_h - l_h - 4:.1f}" text-anchor="middle">'
                    f'{h["gap"] + h["late"]}</text>')
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{bottom + 16}" text-anchor="end" '
                    f'transform="rotate(-35 {x + bar_w / 2:.1f} {bottom + 16})" font-size="10">'
                    f'#{int(h["id"])} {escape(str(h["as_of"])[5:])}</text>')
        body.append("</g>")
    lx = left + 8
    for text, fill, stroke, dash in (("缺失（实线框）", gap_fill, gap_text, ""), ("逾期（虚线框）", late_fill, late_text, "3 2")):
        body.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{fill}" stroke="{stroke}"'
                    + (f' stroke-dasharray="{dash}"' if dash else "") + f'/><text x="{lx + 16}" y="14">{text}</text>')
        lx += 16 + _text_width(text) + 14
    return _svg(width, height, "各批次缺失与逾期项数趋势", body)


def submissions(data: dict) -> Markup | None:
    """Grouped bars: the bureau's items per quarter in each upper column against the target — one dashed
    line when every column has the same target, else a dashed mark over each bar at its own target. A bar
    below its target in a finished quarter says so in text (↓), not only in colour."""
    if not data or not data.get("quarters"):
        return None
    quarters, sites, counts = data["quarters"], data["sites"], data["counts"]
    target = data.get("target")
    cells = data.get("cells") or {}
    names = data.get("site_names", {})

    def cell(s, q):
        return (cells.get(s) or {}).get(q) or {"count": counts[s].get(q, 0), "target": target, "status": None}

    group_w = len(sites) * 22 + 18
    width = max(360, 60 + len(quarters) * group_w + 70)
    legend_w = 44 + sum(16 + _text_width(names.get(s, s)) + 14 for s in sites)
    width = max(width, legend_w)
    height = 250
    top, bottom, left = 34, 196, 44
    peak = max([target or 0] + [max(cell(s, q)["count"], cell(s, q)["target"] or 0)
                                for s in sites for q in quarters]) or 1
    scale = (bottom - top) / peak
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#555"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#555"/>',
            f'<text x="{left - 6}" y="{bottom + 4}" text-anchor="end">0</text>',
            f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>']
    for qi, q in enumerate(quarters):
        gx = left + 10 + qi * group_w
        for si, s in enumerate(sites):
            c = cell(s, q)
            n, t = c["count"], c["target"]
            below = c["status"] == "gap"
            h = n * scale
            x = gx + si * 22
            fill = SITE_PATTERNS.get(s) or SITE_FILLS.get(s, "#888")
            tip = escape(f"{names.get(s, s)} {plain(q)}：{n}条" + (f"（目标{t}条）" if t is not None else "")
                         + ("，未达到目标" if below else ""))
            mark = ""
            if t is not None and target is None:
                ty = bottom - t * scale
                mark = (f'<line class="sub-target" x1="{x - 2}" y1="{ty:.1f}" x2="{x + 20}" y2="{ty:.1f}" '
                        f'stroke="#c62828" stroke-width="2" stroke-dasharray="3 2"/>')
            label = f"{n}↓" if below else f"{n}"
            colour = ' fill="#8a1c0f" font-weight="bold"' if below else ""
            body.append(f'<g class="sub-bar" data-site="{escape(s)}" data-quarter="{escape(q)}" data-count="{n}"'
                        f' data-target="{"" if t is None else t}" data-status="{c["status"] or ""}">'
                        f'<title>{tip}</title>'
                        f'<rect x="{x}" y="{bottom - h:.1f}" width="18" height="{h:.1f}" fill="{fill}" stroke="#333"/>'
                        f'{mark}<text x="{x + 9}" y="{bottom - h - 3:.1f}" text-anchor="middle" font-size="10"{colour}>'
                        f'{label}</text></g>')
        body.append(f'<text x="{gx + len(sites) * 11:.1f}" y="{bottom + 16}" text-anchor="middle">{escape(_axis(q))}</text>')
    if target:
        y = bottom - target * scale
        body.append(f'<line class="sub-target" x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#c62828" stroke-dasharray="6 4"/>'
                    f'<text x="{width - 12}" y="{y - 4:.1f}" text-anchor="end" fill="#8a1c0f">目标 {target}</text>')
    elif any(cell(s, q)["target"] is not None for s in sites for q in quarters):
        body.append(f'<line x1="{left}" y1="{bottom + 30}" x2="{left + 22}" y2="{bottom + 30}" stroke="#c62828" '
                    f'stroke-width="2" stroke-dasharray="3 2"/>'
                    f'<text x="{left + 28}" y="{bottom + 34}" fill="#8a1c0f">各栏目每季度目标（↓ 表示未达到目标）</text>')
    lx = left
    for s in sites:
        fill = SITE_PATTERNS.get(s) or SITE_FILLS.get(s, "#888")
        body.append(f'<rect x="{lx}" y="6" width="12" height="12" fill="{fill}" stroke="#333"/>'
                    f'<text x="{lx + 16}" y="16">{escape(names.get(s, s))}</text>')
        lx += 16 + _text_width(names.get(s, s)) + 14
    return _svg(width, height, "每季度向上级栏目报送信息数", body)


def _axis(quarter: str) -> str:
    """2020Q3 → 第三季度 under the bars (the year is in the heading; the tooltip says it in full)."""
    text = plain(quarter)
    return text.split("年", 1)[1] if "年第" in text else text
