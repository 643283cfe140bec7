"""Screenshots of the demo's reports, as staff see them: the dashboard and a unit's report at 1366 px and at a
phone's width (390 px), in Debian's headless Chromium (the browser the tests use; no browser download).

    make demo && .venv/bin/python scripts/screenshots.py [REPORTS_DIR] [OUT_DIR]

Defaults: var/demo/reports → docs/screenshots. Each PNG is one screen (or one element), small enough to
keep in the repository.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def main(reports: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    index, unit, office = (reports / "index.html").as_uri(), (reports / "units" / "计财科.html").as_uri(), \
        (reports / "units" / "办公室.html").as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport=LAPTOP)
        page.goto(index)
        page.screenshot(path=str(out / "dashboard-1366.png"))
        # the matrix scrolled sideways inside its frame: header row and requirement column stay
        page.locator("#matrix").scroll_into_view_if_needed()
        page.evaluate("() => { window.scrollBy(0, -10); const w = document.querySelector('.matrix-wrap');"
                      " w.scrollLeft = w.scrollWidth; w.scrollTop = 120; }")
        page.screenshot(path=str(out / "matrix-scrolled-1366.png"))
        page.goto(unit)
        page.screenshot(path=str(out / "unit-1366.png"), full_page=True)
        page.goto(office)
        card = page.locator("#own article.finding", has_text="失效链接").first
        card.screenshot(path=str(out / "broken-links-1366.png"))
        phone = browser.new_page(viewport=PHONE)
        phone.goto(index)
        phone.screenshot(path=str(out / "dashboard-390.png"))
        phone.goto(office)
        phone.locator("#own article.finding").first.scroll_into_view_if_needed()
        phone.screenshot(path=str(out / "unit-390.png"))
        browser.close()
    for png in sorted(out.glob("*.png")):
        print(f"{png}  {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    main(Path(sys.argv[1] if len(sys.argv) > 1 else root / "var/demo/reports").resolve(),
         Path(sys.argv[2] if len(sys.argv) > 2 else root / "docs/screenshots").resolve())
