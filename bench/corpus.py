"""Realistic documents for the store benchmarks: the replica's titles, publishers and columns, bodies of
1–3 KB made of the replica's paragraphs, published over three years; written as `zwgk db import` JSONL."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from replica import build_world

_TAG = re.compile(r"<[^>]+>")


def write_corpus(path: Path, n: int, seed: int = 1) -> int:
    """Write *n* documents to *path*; returns the bytes of text (title + body) written."""
    world = build_world(seed=seed, scale=1.0)
    arts = world.articles()
    names = {(s.key, c.id): c.name for s in world.sites.values() for c in s.columns}
    paras = {}
    for a in arts:
        texts = (x if isinstance(x, str) else str(x[-1]) for x in world.body(a))   # ("html", fragment)
        paras[id(a)] = [p for p in (_TAG.sub("", x).strip() for x in texts) if p]
    pool = [p for ps in paras.values() for p in ps]
    rng = random.Random(seed)
    text_bytes = 0
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            a = arts[i % len(arts)]
            year = rng.choice((2018, 2019, 2020))
            title = re.sub(r"20\d\d", str(year), a.title)
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            target = rng.randint(1024, 3072)
            body = list(paras[id(a)])
            while len("\n".join(body).encode("utf-8")) < target:
                body.append(rng.choice(pool))
            body_text = "\n".join(body).encode("utf-8")[:target].decode("utf-8", "ignore")
            doc = {"url": f"http://bench.invalid/{a.site}/art/{year}/{month}/{day}/art_{a.column}_{i}.html",
                   "title": title, "published": f"{year}-{month:02d}-{day:02d}", "site": a.site,
                   "column": a.column, "column_name": names.get((a.site, a.column)), "publisher": a.publisher,
                   "body": body_text}
            text_bytes += len(title.encode("utf-8")) + len(body_text.encode("utf-8"))
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return text_bytes
