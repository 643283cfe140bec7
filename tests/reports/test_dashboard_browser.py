"""The dashboard in a real browser: Debian's headless Chromium (/usr/bin/chromium) driven by Playwright.

No browser is downloaded: ``make test`` runs scripts/install-test-deps.sh, which installs ``chromium``
(--no-install-recommends) and ``fonts-wqy-microhei`` with apt. Without /usr/bin/chromium this module is
skipped with the reason — unless the environment variable CI is set, where a missing browser fails.

The site is opened both from disk (file://) and from a web server on 127.0.0.1. A full-page screenshot is
saved (under pytest's tmp folder, or $ZWGK_SCREENSHOT_DIR when set) and its path printed.
"""
from __future__ import annotations

import copy
import functools
import http.server
import os
import shutil
import struct
import threading
import urllib.parse
from pathlib import Path

import pytest

from reports import render_reports
from test_reports_data import EV_A, HOSTILE, PLAN, RUN2, freshness_findings, make_world

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Crawled text that would run script if it were ever inserted as markup: each payload sets a flag.
PWN = '<script>window.__zwgk_pwned=1</script>" onmouseover="window.__zwgk_pwned=2" x="'
PWN_IMG = '<img src=x onerror="window.__zwgk_pwned=3">'
EV_PWN = {"url": "http://127.0.0.1:9/art/2020/12/9/art_3305_9.html", "title": "开放日活动" + PWN,
          "published": "2020-12-09", "terms": ["开放日"]}

SUBMISSIONS_MESSAGE = ("2020年向上级政务公开专栏报送情况：政务公开看山东 2020Q3报送0条，少于目标1条；"
                       "政务公开看山东 Q1 1/1，Q2 2/1，Q3 0/1，Q4 1/1；"
                       "政务公开经验做法 Q1 1/1，Q2 1/1，Q3 1/1，Q4 1/1；"
                       "政务公开看兖州 Q1 3/2，Q2 2/2，Q3 1/2，Q4 2/2")
# what the dashboard reads: the rule's facts (never its message)
SUBMISSIONS_FACTS = {"year": 2020, "sites": {
    site: {"quarters": {f"2020Q{q + 1}": {"count": n, "target": t} for q, n in enumerate(counts)}}
    for site, counts, t in (("province", (1, 2, 0, 1), 1), ("city", (1, 1, 1, 1), 1), ("district", (3, 2, 1, 2), 2))}}

RUN3 = RUN2 + [  # as of 2020-12-31, the night after RUN2
    {"requirement": "4.2", "check": "open_day_report", "units": ["办公室"], "status": "gap", "due": "2020-12-15",
     "evidence": [EV_PWN], "message": "未找到开放日活动报道" + PWN_IMG},
    {"requirement": "10.2", "check": "submissions", "units": ["办公室"], "status": "gap", "due": None,
     "evidence": [], "message": SUBMISSIONS_MESSAGE, "facts": SUBMISSIONS_FACTS},
]

UNITS = ["办公室", "计财科", "基础教育科", "全局共性事项"]   # 学前教育科 has only the shared 4.1
ROWS = ["1.1", "1.2", "1.3", "4.1", "4.2", "6.1", "7.2", "10.2"]
# (requirement, unit) → the cell's text; every other cell is "—" with an empty data-status
CELLS = {
    ("1.1", "计财科"): ("met", "✓ 已满足"),
    ("1.2", "计财科"): ("met", "✓ 已满足"),
    ("1.3", "基础教育科"): ("gap", "✗ 1缺失/2项"),
    ("4.1", "全局共性事项"): ("at_risk", "! 临近期限"),   # a group's item nobody owns: once, not in 4 columns
    ("4.2", "办公室"): ("gap", "✗ 1缺失/2项"),
    ("6.1", "计财科"): ("unverifiable", "? 无法核实"),
    ("7.2", "办公室"): ("manual", "✎ 待人工确认"),
    ("10.2", "办公室"): ("gap", "✗ 2缺失/2项"),   # submissions + the freshness rule's stale 工作动态
}
GAP_BG = "rgb(251, 213, 208)"   # STATUS_COLOURS["gap"][0]


def _plan() -> dict:
    plan = copy.deepcopy(PLAN)
    plan["sections"].append({"title": "四、强化政务信息管理和公开平台建设", "tasks": [
        {"number": 10, "title": "推进政务新媒体规范有序发展", "requirements": [
            {"id": "10.2", "text": "加大向省政府办公厅“政务公开看山东”专栏、济宁市人民政府门户网站“政务公开经验做法”专栏、"
                                   "区政府门户网站“政务公开看兖州”专栏的信息报送力度。", "units": ["办公室"]}]}]})
    return plan


def _require_chromium() -> None:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return
    reason = (f"{CHROMIUM} is not installed: run `make test` or, as root, scripts/install-test-deps.sh "
              "(apt-get install --no-install-recommends chromium fonts-wqy-microhei)")
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the browser test may not skip: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The rendered site (three nightly check runs) and its two addresses: file:// and http://127.0.0.1."""
    _require_chromium()
    folder = tmp_path_factory.mktemp("dashboard")
    config, store, _ = make_world(folder)
    store.upsert_column({"site": "bureau", "column_id": "3302", "name": "工作动态", "class": "other",
                         "url": "http://127.0.0.1:9/col/col3302/index.html", "item_count": 40,
                         "last_item_date": "2020-11-30", "state": "normal"})
    store.upsert_column({"site": "bureau", "column_id": "3304", "name": "人事信息" + PWN, "class": "人事",
                         "url": "javascript:window.__zwgk_pwned=4", "state": "unverifiable", "reason": "HTTP 412"})
    store.upsert_column({"site": "province", "column_id": "9", "name": "政务公开看山东", "class": "other",
                         "url": "http://127.0.0.1:9/col/col9/index.html", "item_count": 4,
                         "last_item_date": "2020-12-21", "state": "normal"})
    rid = store.start_run("check", as_of="2020-12-31")
    found = RUN3 + freshness_findings(store, config, sites=("bureau", "province"), requirement="10.2")
    store.add_findings(rid, found)
    store.finish_run(rid, "ok", {"findings": len(found)})
    out = folder / "site"
    render_reports(store, _plan(), config, out)
    store.close()

    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"out": out, "file": out.as_uri() + "/", "http": f"http://127.0.0.1:{server.server_address[1]}/"}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        try:
            yield b
        finally:
            b.close()


class Watch:
    """A page plus what it did: dialogs opened (auto-dismissed), page errors, requests off the site."""

    def __init__(self, browser, base: str, **ctx):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **ctx)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(base) else self.foreign.append(r.url))

    def _dialog(self, d):
        self.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def close(self):
        self.context.close()


@pytest.fixture()
def watch(browser):
    made = []

    def make(base: str, **ctx) -> Watch:
        w = Watch(browser, base, **ctx)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


MATRIX_JS = """() => {
  const t = document.getElementById('coverage-matrix');
  const units = [...t.querySelectorAll('thead th[data-unit]')].map(th => th.dataset.unit);
  const rows = [...t.querySelectorAll('tbody tr')].map(tr => ({
    id: tr.dataset.requirement,
    head: tr.querySelector('th').innerText.trim(),
    cells: [...tr.querySelectorAll('td')].map(td => {
      const r = td.getBoundingClientRect();
      return {unit: td.dataset.unit, status: td.dataset.status, text: td.innerText.trim(),
              bg: getComputedStyle(td).backgroundColor, w: r.width, h: r.height,
              href: td.querySelector('a') ? td.querySelector('a').getAttribute('href') : null};
    })}));
  return {units, rows};
}"""


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_matrix_as_rendered(site, watch, scheme):
    w = watch(site[scheme])
    w.page.goto(site[scheme] + "index.html")
    assert w.page.title() == "仪表盘 · 政务公开监测"
    m = w.page.evaluate(MATRIX_JS)
    assert m["units"] == UNITS
    assert [r["id"] for r in m["rows"]] == ROWS
    for row in m["rows"]:
        rid = row["id"]
        assert row["head"].startswith(rid + " "), row["head"]
        assert [c["unit"] for c in row["cells"]] == UNITS
        for c in row["cells"]:
            status, text = CELLS.get((rid, c["unit"]), ("", "—"))
            assert (c["status"], c["text"]) == (status, text), (rid, c["unit"])
            assert c["w"] > 20 and c["h"] > 10, (rid, c["unit"], c)      # laid out, not collapsed
            if status and c["unit"] == "全局共性事项":
                assert c["href"] == f"requirements/{rid}.html"
            elif status:
                assert c["href"] == f"units/{urllib.parse.quote(c['unit'])}.html#r-{rid}"
            if status == "gap":
                assert c["bg"] == GAP_BG
    # the unverifiable cell is not coloured like a gap: colour differs, and so does the text
    cell_61 = next(c for r in m["rows"] if r["id"] == "6.1" for c in r["cells"] if c["unit"] == "计财科")
    assert cell_61["bg"] != GAP_BG
    # met 2 ÷ (met 2 + gap 4 (the freshness finding included) + late 1 + unverifiable 1)
    assert w.page.locator("#coverage").inner_text() == "25.0%"
    # the status filter is shown by the page's own script (it ran from this origin)
    assert w.page.locator("#matrix-filter").is_visible()
    assert w.errors == [] and w.dialogs == []
    assert w.foreign == [], "the dashboard must not load anything from elsewhere (no CDN)"


WIDE_JS = """() => {
  const wrap = document.querySelector('.matrix-wrap'), t = document.getElementById('coverage-matrix');
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom}; };
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth, wrap: box(wrap),
          scrollW: wrap.scrollWidth, clientW: wrap.clientWidth};
}"""


def test_matrix_reachable_and_nothing_overlaps_at_1366(tmp_path_factory, browser):
    """Many units at 1366 px: the page does not widen, the table scrolls inside its frame, every unit's
    header can be scrolled into view beside the requirement column (sticky), and no two cells overlap."""
    folder = tmp_path_factory.mktemp("wide")
    config, store, _ = make_world(folder)
    many = [f"第{i}中学" for i in range(1, 25)]
    (folder / "zwgk.yaml").write_text((folder / "zwgk.yaml").read_text(encoding="utf-8").replace(
        "lead_unit: 办公室", "\n".join(f"  - {{name: {u}, kind: school}}" for u in many) + "\nlead_unit: 办公室"),
        encoding="utf-8")
    from crawler.config import load_config
    config = load_config(folder / "zwgk.yaml")
    rid = store.start_run("check", as_of="2020-12-31")
    store.add_findings(rid, RUN2 + [{"requirement": "1.1", "check": "校园安全", "units": [u], "status": "gap",
                                     "due": "2020-06-30", "evidence": [], "message": "未发现"} for u in many])
    store.finish_run(rid, "ok", {})
    render_reports(store, _plan(), config, folder / "site")
    store.close()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto((folder / "site").as_uri() + "/index.html")
        g = page.evaluate(WIDE_JS)
        assert g["page"] <= g["viewport"], "the page itself must not scroll sideways"
        assert g["wrap"]["r"] <= g["viewport"] and g["scrollW"] > g["clientW"], g   # scrolls inside its frame
        heads = page.locator("#coverage-matrix thead th[data-unit]")
        assert heads.count() == len(["办公室", "计财科", "基础教育科"]) + len(many) + 1
        first_col = page.locator("#coverage-matrix tbody th.req").first
        for i in range(heads.count()):
            th = heads.nth(i)
            th.scroll_into_view_if_needed()
            b, req, wrap = th.bounding_box(), first_col.bounding_box(), g["wrap"]
            assert b["x"] >= wrap["l"] - 1 and b["x"] + b["width"] <= wrap["r"] + 1, (i, b, wrap)    # reachable
            assert b["x"] >= req["x"] + req["width"] - 1, (i, b, req)  # not hidden under the sticky first column
        boxes = page.evaluate("""() => [...document.querySelectorAll('#coverage-matrix tbody tr')].map(tr =>
            [...tr.children].map(c => { const r = c.getBoundingClientRect(); return [r.left, r.right]; }))""")
        page.locator(".matrix-wrap").evaluate("e => e.scrollLeft = 0")
        for row in page.evaluate("""() => [...document.querySelectorAll('#coverage-matrix tbody tr')].map(tr =>
            [...tr.children].map(c => { const r = c.getBoundingClientRect(); return [r.left, r.right]; }))"""):
            for (l1, r1), (l2, r2) in zip(row, row[1:]):
                assert r1 <= l2 + 1, row                       # cells side by side, none over another
        assert boxes
        cell = page.locator('#coverage-matrix td[data-unit="第24中学"][data-requirement="1.1"]')
        cell.scroll_into_view_if_needed()
        assert cell.inner_text().strip() == "✗ 缺失" and cell.is_visible()
    finally:
        context.close()


OFF_PAGE_JS = """() => {
  // elements sticking out to the right of the window that no scrolling frame of their own holds
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= window.innerWidth + 1) continue;
    let a = el.parentElement, framed = false;
    while (a && a !== document.body) { if (getComputedStyle(a).overflowX !== 'visible') { framed = true; break; } a = a.parentElement; }
    if (!framed) out.push(el.tagName + ' ' + Math.round(r.right) + ' ' + (el.textContent || '').slice(0, 40));
  }
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth, off: out.slice(0, 5)};
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_pages_fit_a_phone_and_a_laptop(tmp_path_factory, browser, width):
    """At a phone's width (390 px) and at 1366 px no page scrolls sideways: wide tables scroll inside
    themselves, long addresses wrap; the collapsed 全局共性事项 heading sits on its marker's line."""
    folder = tmp_path_factory.mktemp(f"w{width}")
    config, store, _ = make_world(folder)
    long_url = "http://127.0.0.1:9/module/download/downfile.jsp?classid=0&filename=" + "e" * 64 + ".docx"
    rid = store.start_run("check", as_of="2020-12-31")
    store.add_findings(rid, RUN2 + [{
        "requirement": "4.2", "check": "失效链接", "units": ["办公室"], "status": "gap", "due": None, "evidence": [],
        "message": "局网站发现1个失效链接（容许0个）：" + long_url,
        "facts": {"broken": [{"page": EV_A["url"], "target": long_url, "why": "HTTP 404", "text": "附件" + "e" * 40}]}}])
    store.finish_run(rid, "ok", {})
    render_reports(store, _plan(), config, folder / "site")
    store.close()
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        for name in ("index.html", "units/办公室.html", "units/学前教育科.html", "requirements/4.2.html"):
            page.goto((folder / "site").as_uri() + "/" + urllib.parse.quote(name))
            g = page.evaluate(OFF_PAGE_JS)
            assert g["page"] <= g["viewport"] and not g["off"], (name, g)
        assert "<code>" + long_url.replace("&", "&amp;") + "</code>" in (folder / "site/units/办公室.html").read_text(encoding="utf-8")
        page.goto((folder / "site").as_uri() + "/" + urllib.parse.quote("units/学前教育科.html"))
        summary = page.locator("#shared details > summary")
        s, h = summary.bounding_box(), summary.locator("h2").bounding_box()
        assert h["y"] < s["y"] + 30 and h["x"] > s["x"] + 5, (s, h)     # beside the ▸, not under it
        assert summary.inner_text().strip() == "全局共性事项（1）"
    finally:
        context.close()


def test_status_filter_keeps_rows_with_a_gap(site, watch):
    w = watch(site["file"])
    w.page.goto(site["file"] + "index.html")
    for box in w.page.locator("#matrix-filter input[type=checkbox]").all():
        if box.get_attribute("value") != "gap":
            box.uncheck()
    shown = w.page.evaluate("() => [...document.querySelectorAll('#coverage-matrix tbody tr')]"
                            ".filter(tr => tr.offsetParent !== null).map(tr => tr.dataset.requirement)")
    assert shown == ["1.3", "4.2", "10.2"]
    # printed paper shows every row, whatever the filter says
    w.page.emulate_media(media="print")
    assert w.page.locator("#coverage-matrix tbody tr:visible").count() == len(ROWS)


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_links_reach_findings_and_evidence(site, watch, scheme):
    base = site[scheme]
    w = watch(base)
    page = w.page
    page.goto(base + "index.html")

    # a gap cell → that unit's page, at the requirement's finding
    page.locator('#coverage-matrix td[data-requirement="1.3"][data-unit="基础教育科"] a').click()
    page.wait_for_url("**/units/*.html#r-1.3")
    assert urllib.parse.unquote(page.url) == urllib.parse.unquote(base) + "units/基础教育科.html#r-1.3"
    assert page.locator("h1").inner_text() == "基础教育科 · 政务公开检查报告"
    card = page.locator("article.finding:has([id='r-1.3'])")
    assert card.get_attribute("data-status") == "gap"
    assert "持续做好普惠性学前教育" in card.inner_text()
    assert "2020-09-30" in card.inner_text()
    top = card.evaluate("el => el.getBoundingClientRect().top")
    y, bottom = page.evaluate("() => [window.scrollY, document.documentElement.scrollHeight - window.innerHeight]")
    assert y > 100 and (-30 < top < 100 or y >= bottom - 1), "the browser scrolled to the finding (or to the end)"
    assert card.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"     # and it is marked
    assert page.locator("article.finding").nth(1).evaluate("el => getComputedStyle(el).outlineStyle") == "none"

    # a met cell → the finding with its evidence link
    page.goto(base + "index.html")
    page.locator('#coverage-matrix td[data-requirement="1.1"][data-unit="计财科"] a').click()
    page.wait_for_url("**/units/*.html#r-1.1")
    card = page.locator("article.finding:has([id='r-1.1'])")
    assert card.get_attribute("data-status") == "met"
    link = card.locator(".evidence a", has_text=EV_A["title"])
    assert link.get_attribute("href") == EV_A["url"]
    assert HOSTILE in card.locator(".evidence").inner_text()      # the hostile title, as plain text

    # a requirement (row head) → its page: the plan's words, every unit's status, the evidence
    page.goto(base + "index.html")
    page.locator('#coverage-matrix tr[data-requirement="4.2"] th a').click()
    page.wait_for_url("**/requirements/4.2.html")
    assert page.locator("h1").inner_text() == "要求 4.2 ✗ 缺失"
    assert "持续深化开展政府部门开放日" in page.locator("dl.meta").inner_text()
    units = page.locator("#requirement-units tbody tr")
    assert units.count() == 1 and units.first.get_attribute("data-unit") == "办公室"
    assert units.first.get_attribute("data-status") == "gap"
    cards = page.locator("article.finding")
    assert [cards.nth(i).get_attribute("data-status") for i in range(cards.count())] == ["gap", "pending"]
    ev = cards.first.locator(".evidence a")
    assert ev.inner_text() == EV_PWN["title"] and ev.get_attribute("href") == EV_PWN["url"]
    # … and on to the unit from there
    units.first.locator("a").click()
    page.wait_for_url("**/units/*.html#r-4.2")
    assert page.locator("h1").inner_text() == "办公室 · 政务公开检查报告"

    # a unit (column head) → its page
    page.goto(base + "index.html")
    page.locator('#coverage-matrix thead th[data-unit="计财科"] a').click()
    page.wait_for_url("**/units/*.html")
    assert page.locator("h1").inner_text() == "计财科 · 政务公开检查报告"
    assert w.errors == [] and w.dialogs == [] and w.foreign == []


HOSTILE_PAGES = ["index.html", "requirements/4.2.html", "requirements/1.1.html", "units/办公室.html",
                 "units/计财科.html", "units/基础教育科.html"]


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_hostile_titles_are_shown_as_text_and_never_run(site, watch, scheme):
    base = site[scheme]
    w = watch(base)
    page = w.page
    seen = 0
    for rel in HOSTILE_PAGES:
        page.goto(base + urllib.parse.quote(rel))
        body = page.locator("body").inner_text()
        # hover over every element that shows crawled text, so an injected onmouseover would fire
        for needle in ("window.__zwgk_pwned", "onmouseover", "<script>"):
            for el in page.get_by_text(needle, exact=False).all()[:6]:
                if el.is_visible():
                    el.hover(timeout=2_000)
        for a in page.locator("a").all():
            href = (a.get_attribute("href") or "").lower()
            assert not href.startswith(("javascript:", "data:")), (rel, href)
        assert page.evaluate("() => window.__zwgk_pwned") is None, rel
        assert page.locator("img").count() == 0, rel
        assert page.locator("[onmouseover], [onerror]").count() == 0, rel
        assert page.locator("script").count() == (1 if rel == "index.html" else 0), rel
        seen += sum(text in body for text in (PWN, PWN_IMG, HOSTILE))
    # shown literally: the column name on the dashboard, the evidence title and message on unit and
    # requirement pages
    page.goto(base + "index.html")
    cell = page.locator("#column-table tr", has_text="人事信息").locator("td").first
    assert cell.inner_text() == "人事信息" + PWN
    assert cell.locator("a").count() == 0                   # a javascript: URL never becomes a link
    assert seen >= 6
    assert w.dialogs == [], "an injected alert() ran"
    assert w.errors == []


def test_charts_freshness_and_print(site, watch):
    w = watch(site["http"])
    page = w.page
    page.goto(site["http"] + "index.html")
    # gap trend: one bar per nightly check run, labelled with gap + late
    bars = page.locator("#trend + svg g.trend-bar")
    assert bars.count() == 3
    assert [bars.nth(i).locator("text").first.text_content() for i in range(3)] == ["2", "2", "5"]   # the last run adds the freshness gap
    # submissions per quarter against each column's own target
    sub = {(g.get_attribute("data-site"), g.get_attribute("data-quarter")): g
           for g in page.locator("g.sub-bar").all()}
    assert len(sub) == 12

    def height(site_key, q):   # as drawn, less the 1px stroke
        return sub[(site_key, q)].locator("rect").bounding_box()["height"] - 1

    assert height("province", "2020Q2") == pytest.approx(2 * height("province", "2020Q1"), abs=0.6)
    assert height("district", "2020Q1") == pytest.approx(3 * height("city", "2020Q1"), abs=0.6)
    assert sub[("province", "2020Q3")].get_attribute("data-status") == "gap"
    assert sub[("province", "2020Q3")].locator("text").text_content() == "0↓"
    assert sub[("district", "2020Q3")].get_attribute("data-target") == "2"
    assert sub[("district", "2020Q3")].locator("text").text_content() == "1↓"
    assert sub[("city", "2020Q3")].get_attribute("data-status") == "met"
    assert page.locator("g.sub-bar line.sub-target").count() == 12    # targets differ: a mark per bar
    row = page.locator('#submission-table tr[data-site="district"] td[data-quarter="2020Q3"]')
    assert row.inner_text() == "1 / 2 ✗ 未达标"
    # column freshness per source
    sources = page.locator("#source-table tbody tr")
    assert [sources.nth(i).get_attribute("data-site") for i in range(sources.count())] == ["bureau", "province"]
    assert sources.first.locator("td").nth(1).inner_text() == "2"          # columns
    dyn = page.locator('#column-table tr[data-site="bureau"]', has_text="工作动态")
    assert [c.inner_text() for c in dyn.locator("td").all()][1:6] == ["动态", "2020-11-30", "31", "14", "40"]
    assert dyn.get_attribute("data-status") == "gap" and "栏目更新不及时（超期17天）" in dyn.inner_text()

    # print: no navigation or filter, data tables open, cards and rows not split
    page.emulate_media(media="print")
    assert page.locator("header.masthead nav").is_hidden()
    assert page.locator("#matrix-filter").is_hidden()
    assert page.locator("#trend-table").is_visible()
    assert page.evaluate("() => getComputedStyle(document.querySelector('header.masthead')).backgroundColor") \
        == "rgba(0, 0, 0, 0)"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert w.errors == []


GLYPHS_JS = """() => {
  const fam = getComputedStyle(document.body).fontFamily;
  const draw = (ch) => { const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const x = c.getContext('2d'); x.font = '32px ' + fam; x.fillText(ch, 4, 36); return c.toDataURL(); };
  const tofu = draw('\\u{10FFFD}');
  const chars = [...new Set([...document.body.innerText].filter(ch => ch.trim()))];
  return {count: chars.length, missing: chars.filter(ch => draw(ch) === tofu)};
}"""


def test_chinese_renders_and_screenshot(site, watch, tmp_path):
    w = watch(site["file"])
    page = w.page
    page.goto(site["file"] + "index.html")
    # every character on the page has a glyph (no boxes): compared against the font's .notdef box
    glyphs = page.evaluate(GLYPHS_JS)
    assert glyphs["count"] > 200
    assert glyphs["missing"] == [], f"characters drawn as boxes: {glyphs['missing']}"
    # the Chinese text is drawn with the WenQuanYi Micro Hei font installed for it
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]]
    assert "WenQuanYi Micro Hei" in fonts, fonts

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1280 and height > 1500
    keep = os.environ.get("ZWGK_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "dashboard.png")
        page.goto(site["file"] + urllib.parse.quote("units/基础教育科.html"))
        page.screenshot(path=str(Path(keep) / "unit.png"), full_page=True)
        page.goto(site["file"] + "requirements/4.2.html")
        page.screenshot(path=str(Path(keep) / "requirement.png"), full_page=True)
    print(f"dashboard screenshot: {shot}")
