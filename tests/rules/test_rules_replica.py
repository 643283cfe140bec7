"""Ground truth: the 2020 catalogue's findings on the replica equal the generator's planted manifest.

The manifest's documents go straight into a store (no crawl): titles, dates, publishers, sites and
columns from the manifest, bodies and attachment text from the world object; links and attachment
failures are recorded the way the spider records them. Then, as of the manifest date:
- every planted defect with a requirement id (missing, late, short_consultation, …) shows as a non-met
  finding of that requirement, and the findings name the planted documents;
- site-level defects without a requirement (stale_column, blank_column, broken_link, missing_attachment)
  show in the checks of their kind (freshness, links);
- no other requirement with web checks is gap or late (no false gaps), and decoys never count.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from crawler.config import load_config
from crawler.store import Store
from crawler.units import UnitRegistry
from replica import build_world
from rules.catalogue import PLANS_DIR, load_catalogue
from rules.engine import Context, evaluate

BASES = {k: f"http://127.0.0.1:{9100 + i}" for i, k in enumerate(("bureau", "province", "city", "district"))}
# defects without a requirement id are site-level: the check kind that must report them
SITE_LEVEL = {"stale_column": "freshness", "blank_column": "freshness", "broken_link": "links",
              "missing_attachment": "links"}
_TAG = re.compile(r"<[^>]+>")


def _text(paras) -> str:
    out = []
    for p in paras:
        if isinstance(p, (tuple, list)):
            p = _TAG.sub(" ", p[1])
        out.append(str(p))
    return "\n".join(out)


def _spec_text(spec: dict) -> str:
    lines = [str(p) for p in spec.get("paras", [])]
    for _, rows in spec.get("tables", []):
        lines += [" ".join(str(c) for c in r) for r in rows]
    return "\n".join(lines)


def load_world(store: Store, w) -> None:
    for site in w.sites.values():
        for c in site.columns:
            store.upsert_column({
                "site": site.key, "column_id": c.id, "name": c.name, "url": BASES[site.key] + c.url,
                "platform": "jcms", "class": c.cls, "item_count": len(c.articles),
                "last_item_date": c.articles[0].published.isoformat() if c.articles else None,
                "state": "normal" if c.articles else "blank"})
    col_urls = {(s.key, c.url) for s in w.sites.values() for c in s.columns}
    for a in w.articles():
        base = BASES[a.site]
        attachments = [{"url": base + t.url, "name": t.name, "type": t.type,
                        "text": None if t.missing else _spec_text(t.spec),
                        "status": "failed" if t.missing else "ok", "http_status": 404 if t.missing else 200}
                       for t in a.attachments]
        store.upsert_document({
            "url": base + a.url, "site": a.site, "column_id": a.column,
            "column_name": w.sites[a.site].by_id[a.column].name, "title": a.title,
            "published": a.published.isoformat(), "publisher": a.publisher, "index_no": a.index_no,
            "doc_no": a.doc_no, "body": _text(w.body(a)), "attachments": attachments})
        if a.site == "bureau":
            for target, _ in a.links:
                href = target if isinstance(target, str) else target.url
                ok = (a.site, href) in w.by_url or (a.site, href) in col_urls
                store.record_link(base + a.url, base + href, 200 if ok else 404)
            for t in a.attachments:
                store.record_link(base + a.url, base + t.url, 404 if t.missing else 200)


@pytest.fixture(scope="module", params=[(1, 0.3, 0), (2, 0.3, 1)], ids=["seed1-night0", "seed2-night1"])
def world(request):
    seed, scale, night = request.param
    return build_world(seed=seed, scale=scale, night=night)


@pytest.fixture(scope="module")
def outcome(world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replica")
    store = Store(tmp / "zwgk.db")
    load_world(store, world)
    cfg = load_config(PLANS_DIR.parents[1] / "config" / "production.yaml")
    registry = UnitRegistry.from_config(cfg)
    plan = load_catalogue(PLANS_DIR / "2020.yaml", registry=registry)
    as_of = dt.date.fromisoformat(world.manifest()["date"])
    ctx = Context(store, plan, as_of, config=cfg, registry=registry)
    findings = evaluate(plan, ctx)
    yield plan, findings, world.manifest()
    store.close()


def _by_requirement(findings):
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.requirement, []).append(f)
    return out


def test_every_planted_defect_is_found(outcome):
    plan, findings, manifest = outcome
    by_req = _by_requirement(findings)
    kinds = {(r.id, c.name): c.kind for r in plan.requirements() for c in r.checks}
    missed = []
    for d in manifest["defects"]:
        if d["type"] in ("decoy", "withdrawn"):
            continue
        if d["requirement"]:
            bad = [f for f in by_req.get(d["requirement"], []) if f.status in ("gap", "late")]
            if not bad:
                missed.append(d)
                continue
            # the finding points at the planted documents (when the defect names any)
            urls = {e["url"] for f in bad for e in f.evidence}
            named = [u for u in d["urls"] if isinstance(u, str) and u.startswith("/art/")]
            if named and not any(any(x.endswith(u) for x in urls) for u in named):
                missed.append(d)
        else:
            kind = SITE_LEVEL[d["type"]]
            needle = d.get("name") if kind == "freshness" else (d.get("to") or d.get("attachment"))
            bad = [f for f in findings if kinds[(f.requirement, f.check)] == kind and f.status == "gap"]
            if not any(needle and needle in f.message for f in bad):
                missed.append(d)
    assert missed == [], "planted defects not reported:\n" + "\n".join(f"{d['type']} {d['requirement']}: {d['detail']}" for d in missed)


def test_no_false_gaps(outcome):
    plan, findings, manifest = outcome
    planted = {d["requirement"] for d in manifest["defects"] if d["requirement"] and d["type"] not in ("decoy", "withdrawn")}
    site_level_kinds = {SITE_LEVEL[d["type"]] for d in manifest["defects"] if not d["requirement"] and d["type"] in SITE_LEVEL}
    kinds = {(r.id, c.name): c.kind for r in plan.requirements() for c in r.checks}
    false = []
    for f in findings:
        if f.status not in ("gap", "late"):
            continue
        if f.requirement in planted or kinds[(f.requirement, f.check)] in site_level_kinds:
            continue
        false.append(f)
    assert false == [], "\n".join(f"{f.requirement} {f.check}: {f.status} {f.message}" for f in false)


def test_exact_statuses_per_requirement(outcome):
    """The whole picture, requirement by requirement (worst status of its checks)."""
    from rules.findings import worst
    plan, findings, manifest = outcome
    got = {rid: worst(f.status for f in fs) for rid, fs in _by_requirement(findings).items()}
    expected = {rid: "met" for rid in got}
    for rid, r in ((r.id, r) for r in plan.requirements()):
        if all(c.kind == "manual" for c in r.checks):
            expected[rid] = "manual"
    expected.update({"1.2": "gap", "1.3": "gap", "3.1": "gap", "4.1": "gap", "6.1": "gap", "6.3": "gap",
                     "7.1": "late", "10.1": "gap", "10.2": "gap"})
    assert got == expected


def test_decoys_do_not_count(outcome):
    plan, findings, manifest = outcome
    decoy_urls = {u for d in manifest["defects"] if d["type"] == "decoy" for u in d["urls"]}
    assert decoy_urls
    for f in findings:
        if f.status == "met" or f.requirement in ("1.2", "1.3", "6.3", "10.2"):
            for e in f.evidence:
                assert not any(e["url"].endswith(u) and e["url"].split("/art/")[0] in BASES.values() for u in decoy_urls
                               if f.check not in ("重大建设项目信息",)), (f.requirement, f.check, e)


def test_findings_name_what_is_missing(outcome):
    plan, findings, manifest = outcome
    f = {(x.requirement, x.check): x for x in findings}
    assert f[("1.2", "部门决算")].status == "gap" and "2019年度部门决算" in f[("1.2", "部门决算")].message
    assert f[("1.2", "部门预算")].status == "met"
    assert f[("1.3", "义务教育招生入学信息")].message.count("未发现") == 1
    assert "招生计划：未发现" in f[("1.3", "义务教育招生入学信息")].message
    assert "2020Q2缺失" in f[("6.1", "政府工作报告重点任务执行情况")].message
    assert f[("7.1", "政务公开事项标准目录")].status == "late" and "逾期16天" in f[("7.1", "政务公开事项标准目录")].message
    sub = f[("10.2", "上级专栏报送")].message
    assert "政务公开看山东 2020Q3报送0条，少于目标1条" in sub and sub.count("少于目标") == 1
    as_of = dt.date.fromisoformat(manifest["date"])
    fresh = f[("10.1", "栏目更新")].message
    assert "体育工作" in fresh and "统计信息" in fresh
    # 校园安全's ColumnType says 专题专栏: only its name makes it a 动态 (work) column, stale since 2020-11-27
    assert f"校园安全（动态类，最近更新2020-11-27，已{(as_of - dt.date(2020, 11, 27)).days}天，限14天）" in fresh
    assert "2个栏目未按时更新" in fresh and "1个空白栏目" in fresh
    # the other work columns (学前教育, 义务教育 … of class 动态 by name) were updated within two weeks
    cols = {c["name"]: c for c in f[("10.1", "栏目更新")].facts["columns"]}
    assert {n: cols[n]["state"] for n in ("学前教育", "义务教育", "语言文字", "体育工作", "疫情防控", "财政预决算")} == {
        "学前教育": "ok", "义务教育": "ok", "语言文字": "ok", "体育工作": "stale", "疫情防控": "no_limit",
        "财政预决算": "no_limit"}
    assert (cols["疫情防控"]["class"], cols["学前教育"]["class"], cols["学前教育"]["limit_days"]) == ("专题", "动态", 14)
    links = f[("10.1", "失效链接")].message
    assert "发现4个失效链接" in links
