"""A JCMS list claiming a million records: a dataproxy that repeats its records is left after one call,
one that invents new records forever is capped at crawl.max_list_pages; both columns are unverifiable."""
from __future__ import annotations

import json

import pytest

from conftest import db_rows, run_zwgk
from faultserver import FaultServer, article_html, jcms_column, jcms_proxy, page, site_config

pytestmark = pytest.mark.reliability

LONG = "本局依照规定公开相关信息，具体内容如下，请各单位认真学习并抓好落实。" * 3
MILLION = 1_000_000


def _records(col: str, start: int, n: int):
    return [(f"/art/2020/9/1/art_{col}_{i}.html", f"记录{col}-{i}", "2020-09-01") for i in range(start, start + n)]


def test_a_million_claimed_records_cost_a_bounded_walk(tmp_path):
    first = {c: _records(c, 1, 15) for c in ("77", "78")}
    with FaultServer(prefixes={"/art/": page(article_html("记录", "2020-09-01", LONG))}) as site:
        site.routes.update({
            "/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain"),
            "/col/col77/index.html": page(jcms_column("77", first["77"], MILLION)),
            "/col/col78/index.html": page(jcms_column("78", first["78"], MILLION).replace("/module/web/jpage/", "/module/jpage/")),
            # 77: the proxy ignores the range and repeats the first page; 78: new records forever
            "/module/web/jpage/dataproxy.jsp": jcms_proxy(lambda n: first["77"], MILLION),
            "/module/jpage/dataproxy.jsp": jcms_proxy(lambda n: _records("78", 15 + 45 * (n - 1) + 1, 45), MILLION),
        })
        cfg = site_config(tmp_path / "zwgk.yaml", site.url,
                          [{"id": c, "url": f"/col/col{c}/index.html"} for c in ("77", "78")],
                          crawl={"max_list_pages": 10})
        cfg_text = open(cfg, encoding="utf-8").read().replace("platform: generic", "platform: jcms")
        open(cfg, "w", encoding="utf-8").write(cfg_text)
        db = tmp_path / "zwgk.db"
        r = run_zwgk(["--config", cfg, "--db", str(db), "crawl", "--json", "--site", "bureau"], cwd=tmp_path,
                     timeout=300)
        hits = dict(site.hits)
    assert r.returncode in (0, 1), r.stderr[-3000:]
    repeat = sum(v for k, v in hits.items() if k.startswith("/module/web/jpage/dataproxy.jsp"))
    endless = sum(v for k, v in hits.items() if k.startswith("/module/jpage/dataproxy.jsp"))
    assert repeat == 1 and 1 <= endless <= 9, hits
    cols = {c["column_id"]: c for c in db_rows(db, "select column_id, state, reason, walk from columns")}
    assert cols["77"]["state"] == "unverifiable" and "repeats" in cols["77"]["reason"]
    assert cols["78"]["state"] == "unverifiable" and "max_list_pages" in cols["78"]["reason"]
    s = json.loads(r.stdout)["sites"]["bureau"]
    assert s["list_repeats"] == 1 and s["list_caps"] == 1
