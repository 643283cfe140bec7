"""Documents picked by the full-text index (rules/match.py) are exactly those the word-by-word check
alone would pick; checks read documents without loading their long texts."""
import datetime as dt
import random

from crawler.store import Store
from rules.engine import Context
from rules.lazydoc import LazyDoc
from rules.match import select, spec
from rules.plan import Plan

WORDS = ["部门预算", "三公经费", "决算", "招生计划", "学区划分", "征求意见", "政策解读", "校园安全", "体育", "食堂",
         "财政", "公开", "通知", "方案", "报告", "工作要点", "教师", "资助", "“三公”经费", "规范性文件"]


def _store(tmp_path):
    rng = random.Random(3)
    store = Store(tmp_path / "z.db")
    with store.batch():
        for n in range(300):
            store.upsert_document({
                "url": f"http://127.0.0.1/art/{n}.html", "site": rng.choice(["bureau", "district"]),
                "column_id": "3301", "column_name": "通知公告", "published": f"2020-{rng.randint(1, 12):02d}-01",
                "title": "".join(rng.sample(WORDS, 3)), "body": "，".join(rng.sample(WORDS, 5)) + "。",
                "publisher": "兖州区教育和体育局",
                "attachments": [{"url": f"http://127.0.0.1/a/{n}.pdf", "text": rng.choice(WORDS)}]})
    return store


SPECS = [dict(any=["预算"]), dict(all=[["三公经费"]]), dict(all=["决算", ["报告", "方案"]], fields=["title", "body"]),
         dict(any=["招生计划", "学区划分"], none=["征求意见"], fields=["title", "attachments"]),
         dict(any=["规范性文件"], fields=["body"]), dict(all=[["经费"], ["三公"]], fields=["title", "body", "attachments"]),
         dict(any=["不存在的词"]), dict(none=["体育"]), dict(any=["体育"], fields=["title", "publisher"])]


def test_index_candidates_change_nothing_but_the_work(tmp_path):
    store = _store(tmp_path)
    ctx = Context(store, _plan(), dt.date(2020, 12, 31), alarms=[])
    asked = []
    find = ctx.indexed_candidates
    ctx.indexed_candidates = lambda m: asked.append(m) or find(m)
    for kw in SPECS:
        sp = spec(**kw)
        with_index = [(d["url"], t) for d, t in select(ctx, sp)]
        ctx.indexed_candidates = None
        plain = [(d["url"], t) for d, t in select(ctx, sp)]
        ctx.indexed_candidates = lambda m: asked.append(m) or find(m)
        assert with_index == plain, kw
    assert len(asked) == 7   # the none-only and publisher specs look at every document
    assert sum(1 for kw in SPECS if select(ctx, spec(**kw))) >= 6
    doc = ctx.docs[0]
    assert isinstance(doc, LazyDoc) and not dict.__contains__(doc, "body") and not dict.__contains__(doc, "attachments")
    assert doc.get("body") and "attachment_text" in doc and doc["body"].endswith("。")
    assert not dict.__contains__(doc, "body")   # read, not kept
    store.close()


def _plan():
    plan = Plan.__new__(Plan)
    plan.year, plan.horizon_days = 2020, 14
    return plan
