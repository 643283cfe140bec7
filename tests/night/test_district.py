"""A district of two bureaus (replica bureau sub-sites, own seeds) sharing one upper-level site.

`zwgk --config district.yaml nightly` crawls the shared site once, keeps each bureau's documents in its
own store, checks and reports every bureau, and writes the overview page (worst gaps first, linking to
each dashboard). A single-bureau configuration loads as a district of one, unchanged.
"""
from __future__ import annotations

import collections
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
SCALE = 0.01
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("district")
    ports = tmp / "ports.json"
    rep = subprocess.Popen([sys.executable, "-m", "replica.bureaus", "--count", "3", "--scale", str(SCALE),
                            "--ports-file", str(ports), "--parent-pid", str(os.getpid())], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ports.exists():
            time.sleep(0.05)
        urls = json.loads(ports.read_text())
        production = yaml.safe_load((ROOT / "config" / "production.yaml").read_text(encoding="utf-8"))
        (tmp / "bureaus").mkdir()
        shared_column = "3342"
        for key in ("b01", "b02"):
            cfg = {"contact": f"{key}@example.org", "bureau_aliases": [f"{key}教育局"],
                   "sites": {"bureau": {"name": f"{key}局", "base_url": urls[key], "platform": "jcms"},
                             # the "upper-level" column both bureaus report to: b03's host
                             "district": {"name": "政务公开看兖州", "base_url": urls["b03"], "platform": "jcms",
                                          "columns": [{"id": shared_column, "name": "政务公开看兖州"}]}},
                   "units": production["units"], "lead_unit": production.get("lead_unit", "办公室")}
            (tmp / "bureaus" / f"{key}.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
        path = tmp / "district.yaml"
        path.write_text("contact: zwgk-test@example.org\npaths: {data: var}\n"
                        "crawl: {concurrency_per_host: 2, download_delay: 0, autothrottle: false}\n"
                        "bureaus: {b01: bureaus/b01.yaml, b02: bureaus/b02.yaml}\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
        proc = subprocess.run(ZWGK + ["--config", str(path), "nightly", "--skip-mail", "--as-of", "2020-12-31"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=550)
        logs = {k: json.load(urllib.request.urlopen(u + "/__replica__/requests.json")) for k, u in urls.items()}
        yield {"tmp": tmp, "urls": urls, "proc": proc, "logs": logs, "column": shared_column}
    finally:
        rep.terminate()
        rep.wait(10)


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_each_bureau_keeps_its_own_documents(district):
    from replica.build import build_world

    assert district["proc"].returncode == 0, district["proc"].stdout[-3000:] + district["proc"].stderr[-3000:]
    tmp, urls = district["tmp"], district["urls"]
    for i, key in enumerate(("b01", "b02")):
        want = {urls[key] + d["url"] for d in build_world(1 + i, SCALE, 0).manifest()["documents"]
                if d["site"] == "bureau"}
        got = {r[0] for r in _rows(tmp / "var" / key / "zwgk.db", "select url from documents where site = 'bureau'")}
        assert got == want, key
        assert _rows(tmp / "var" / key / "zwgk.db", "select count(*) from runs where kind = 'check'")[0][0] >= 1


def test_shared_site_crawled_once_and_stored_in_both(district):
    tmp = district["tmp"]
    shared = [sorted(_rows(tmp / "var" / k / "zwgk.db",
                           "select url, title, body from documents where site = 'district'")) for k in ("b01", "b02")]
    assert shared[0] and shared[0] == shared[1]
    seen = collections.Counter((r["method"], r["path"], r.get("body")) for r in district["logs"]["b03"]["requests"])
    assert all(n == 1 for n in seen.values()), [k for k, n in seen.items() if n > 1][:5]


def test_overview_lists_bureaus_worst_first_with_links(district):
    reports = district["tmp"] / "var" / "reports"
    page = (reports / "index.html").read_text(encoding="utf-8")
    rows = json.loads((reports / "overview.json").read_text(encoding="utf-8"))
    assert [r["key"] for r in rows] and {r["key"] for r in rows} == {"b01", "b02"}
    gaps = [r["counts"]["gap"] for r in rows]
    assert gaps == sorted(gaps, reverse=True)
    for r in rows:
        assert r["error"] is None and Path(r["index"]).exists()
        assert f'href="{r["key"]}/index.html"' in page
        assert r["name"] in page


def test_single_bureau_config_is_a_district_of_one(tmp_path):
    from crawler.bureaus import crawl_units, load_district

    cfg = tmp_path / "zwgk.yaml"
    cfg.write_text("contact: a@example.org\nsites:\n  bureau: {name: x, base_url: 'http://127.0.0.1:1'}\n"
                   "  province: {name: p, base_url: 'http://127.0.0.1:2'}\nunits: [{name: 办公室}]\n",
                   encoding="utf-8")
    d = load_district(cfg)
    assert d.single and list(d.bureaus) == [""]
    assert [u.id for u in crawl_units(d)] == ["bureau", "province"]


def test_district_config_errors_name_the_line(tmp_path):
    from crawler.bureaus import load_district
    from crawler.config import ConfigError

    path = tmp_path / "d.yaml"
    path.write_text("contact: a@example.org\nbureaus:\n  edu: missing.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_district(path)
    assert ":3:" in str(e.value) and "missing.yaml" in str(e.value)


def test_district_sections_are_checked_and_replace_the_bureaus(tmp_path):
    from crawler.bureaus import load_district
    from crawler.config import ConfigError

    (tmp_path / "b.yaml").write_text("contact: b@example.org\nsites:\n  bureau: {name: x, base_url: "
                                     "'http://127.0.0.1:1'}\nunits: [{name: 办公室}]\ncrawl: {concurrency_per_host: 5}\n",
                                     encoding="utf-8")
    path = tmp_path / "d.yaml"
    path.write_text("contact: d@example.org\ncrawl: {concurrency_per_host: 0}\nbureaus: {x: b.yaml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_district(path)
    assert "d.yaml:2:" in str(e.value) and "concurrency_per_host" in str(e.value)
    path.write_text("contact: d@example.org\ncrawl: {concurrency_per_host: 3}\nbureaus: {x: b.yaml}\n", encoding="utf-8")
    d = load_district(path)
    assert d.bureaus["x"].crawl.concurrency_per_host == 3 and d.bureaus["x"].contact == "d@example.org"
    assert d.db_path("x") == tmp_path / "var" / "x" / "zwgk.db"
