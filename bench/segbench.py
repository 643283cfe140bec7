"""The cost of word segmentation for the search index, per document, on a fixed corpus.

    python bench/segbench.py record OUT.json       # today's segment() output of every text
    python bench/segbench.py check OUT.json        # the current code's output against a recording
    python bench/segbench.py check-store DB        # a store's search rows against jieba's own words
    python bench/segbench.py time [--rounds 5] [--store DB]   # CPU ms per document, new vs old vs jieba

The corpus: the bench's generated documents (bench/corpus.py: the replica's titles and paragraphs, 1–3 KB
bodies; every 20th of 20,000, so titles repeat as they do across columns) and real text: the title and body
extracted from every page of /work/shared/realpages, the 2020 work plan and the text of the real plans.
Times are CPU seconds (time.process_time), A and B interleaved round by round on the same texts.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path("/work/shared")


def real_texts() -> list[str]:
    """Title and body of each real page (as the crawl extracts them), the work plan, the real plans' text."""
    from spiders.extract import extract

    texts = []
    for page in sorted((SHARED / "realpages").glob("*.html")):
        doc = extract(page.read_bytes(), f"http://real.invalid/{page.name}")
        texts += [doc.get("title") or "", doc.get("body") or ""]
    for plan in [SHARED / "work-plan-2020.txt", *sorted((SHARED / "realplans").glob("*.html"))]:
        raw = plan.read_text(encoding="utf-8", errors="replace")
        if plan.suffix == ".html":
            import lxml.html
            raw = lxml.html.fromstring(raw).text_content()
        texts.append(raw)
    return [t for t in texts if t]


def bench_docs(n: int = 20000, every: int = 20) -> list[tuple[str, str]]:
    """(title, body) of every *every*-th generated document."""
    from bench.corpus import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        write_corpus(path, n)
        with open(path, encoding="utf-8") as f:
            docs = [json.loads(line) for i, line in enumerate(f) if i % every == 0]
    return [(d["title"], d["body"]) for d in docs]


def edge_texts() -> list[str]:
    """Text shapes that real pages hold and the generated corpus lacks."""
    return ["", " ", "\u3000\u3000", "。，、；：？！", "ＡＢＣ１２３ａｂｃ　全角：字母，数字。",
            "2020年GDP增长6.1%，CPI上涨2.5%；PM2.5浓度下降", "C++ 与 C# 的 e-mail: a.b@c.cn (v1.2.3)",
            "Hello World ABC-123 a_b x.y", "《中华人民共和国政府信息公开条例》第二十条“三公”经费",
            "兖州区教育和体育局2020年部门预算公开\r\n\t附件：1.xlsx", "ⅠⅡⅢ①②③㈠㈡ ½ ² ℃ № ×÷ ±",
            "零点零五 壹万贰仟 〇一二", "\U0001F600表情\U0001F4DA书", "Ελληνικά Кириллица العربية",
            "日本語のテキスト 한국어", "繁體中文：政府資訊公開條例", "a" * 5000, "测试" * 3000]


def corpus() -> list[str]:
    docs = bench_docs()
    return [t for d in docs for t in d] + real_texts() + edge_texts()


def record(out: Path) -> None:
    from crawler import textseg

    texts = corpus()
    out.write_text(json.dumps([[t, textseg.segment(t), textseg.words(t)] for t in texts], ensure_ascii=False),
                   encoding="utf-8")
    print(f"{len(texts)} texts, {sum(map(len, texts))} characters -> {out}")


def check(recorded: Path) -> int:
    from crawler import textseg

    rows = json.loads(recorded.read_text(encoding="utf-8"))
    bad = [t for t, seg, words in rows if textseg.segment(t) != seg or textseg.words(t) != words]
    print(f"{len(rows) - len(bad)} of {len(rows)} texts identical (segment and words)")
    for t in bad[:5]:
        print("  differs:", t[:60].replace("\n", " "))
    return 1 if bad else 0


def check_store(path: Path) -> int:
    """Every search row of a zwgk store (e.g. a crawl's) against jieba's own words of its document's text."""
    import sqlite3

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT d.title, d.body, d.attachment_text, f.title, f.body, f.attachments FROM documents d "
                          "JOIN documents_fts f ON f.rowid = d.doc_id").fetchall()
    bad = [r for r in rows if tuple(map(jieba_segment, r[:3])) != tuple(x or "" for x in r[3:])]
    print(f"{len(rows) - len(bad)} of {len(rows)} search rows are jieba's own words of their document")
    return 1 if bad else 0


def timed(fn, texts) -> float:
    c0 = time.process_time()
    for t in texts:
        fn(t)
    return time.process_time() - c0


def jieba_segment(text: str | None) -> str:
    """segment() as it was until 2026-11-30: jieba's cut_for_search, then strip/lower/punctuation per word."""
    from crawler import textseg

    if not text:
        return ""
    out = []
    for w in textseg._jieba().cut_for_search(text):
        w = w.strip().lower()
        if w and not textseg._PUNCT.fullmatch(w):
            out.append(w)
    return " ".join(out)


def store_docs(path: Path) -> list[tuple]:
    """(title, body, attachment text) of every document of a zwgk store, in the order they were stored."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("SELECT title, body, attachment_text FROM documents ORDER BY rowid").fetchall()


def time_ab(rounds: int, store: Path | None = None) -> None:
    from crawler import textseg

    docs = bench_docs()
    real = real_texts()
    textseg.segment("预热")
    jieba = textseg._jieba()

    def jieba_alone(t):
        return list(jieba.cut_for_search(t)) if t else []

    # a new Segmenter each round: no block seen before, no word's log-probability known
    def cached(t):
        return " ".join(fresh[0].words(t, True)) if t else ""

    def uncached(t):
        return " ".join(fresh[1].words(t, True)) if t else ""

    sides = {"segment (new, cold start)": cached, "segment (new), no block cache": uncached,
             "old segment (jieba + filter)": jieba_segment, "jieba cut_for_search": jieba_alone}
    sets = [("bench corpus", [t for d in docs for t in d], len(docs)), ("real texts", real, len(real))]
    if store:
        crawled = store_docs(store)
        sets.append((f"store {store.name}", [t for d in crawled for t in d], len(crawled)))
    for name, texts, ndocs in sets:
        cpu = {k: [] for k in sides}
        for _ in range(rounds):
            for k, fn in sides.items():
                fresh = [textseg.new_segmenter(size) for size in (None, 0)]
                cpu[k].append(timed(fn, texts))
        chars = sum(len(t or "") for t in texts)
        print(f"{name}: {ndocs} documents, {chars} characters, {rounds} rounds (median CPU)")
        for k, v in cpu.items():
            med = statistics.median(v)
            print(f"  {k:30s} {1000 * med / ndocs:7.3f} ms/doc  {chars / med / 1000:7.1f} kchar/CPU s")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("record").add_argument("out", type=Path)
    sub.add_parser("check").add_argument("recorded", type=Path)
    sub.add_parser("check-store").add_argument("db", type=Path)
    t = sub.add_parser("time")
    t.add_argument("--rounds", type=int, default=5)
    t.add_argument("--store", type=Path, help="also the documents of this zwgk store (e.g. a crawl's)")
    a = p.parse_args(argv)
    if a.cmd == "record":
        record(a.out)
    elif a.cmd == "check":
        return check(a.recorded)
    elif a.cmd == "check-store":
        return check_store(a.db)
    else:
        time_ab(a.rounds, a.store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
