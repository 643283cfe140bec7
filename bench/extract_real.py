"""Extraction on real pages: per-field accuracy of zwgk's extractor, and of trafilatura and gne when they
are importable (they are not project dependencies: install them in a scratch venv to compare).

    python bench/extract_real.py [FOLDER ...]     # default: shared/realpages and tests/fixtures/pages

Each FOLDER holds pages and an ``expected.json`` (the realpages annotation format). A field counts only
on pages that annotate it; ``publisher_contains`` is a substring test; body is scored on pages that
give ``body_contains``/``body_excludes``. The last line is pages with every annotated field right.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spiders.extract import decode_html, extract  # noqa: E402

FIELDS = ("title", "published", "publisher", "index_no", "doc_no", "attachments", "body")


def _pages(folders):
    for folder in folders:
        for name, exp in json.loads((folder / "expected.json").read_text(encoding="utf-8")).items():
            raw = (folder / name).read_bytes()
            if exp.get("encode"):
                raw = raw.decode("utf-8").replace('<meta charset="utf-8">', "").encode("gbk")
            yield f"{folder.name}/{name}", raw, exp


def ours(raw: bytes, exp: dict) -> dict:
    r = extract(raw, exp.get("url"), last_modified=exp.get("last_modified"))
    return {**r, "attachments": [a["url"] for a in r["attachments"]]}


def trafilatura_fields(raw: bytes, exp: dict) -> dict:
    import trafilatura

    t = trafilatura.bare_extraction(decode_html(raw)[0], url=exp.get("url"), with_metadata=True)
    t = t.as_dict() if hasattr(t, "as_dict") else (t or {})
    return {"title": t.get("title"), "published": t.get("date"), "publisher": t.get("sitename") or t.get("author"),
            "body": t.get("text") or ""}


def gne_fields(raw: bytes, exp: dict) -> dict:
    from gne import GeneralNewsExtractor

    g = GeneralNewsExtractor().extract(decode_html(raw)[0])
    from spiders.extract import parse_date
    return {"title": g.get("title"), "published": parse_date(g.get("publish_time")), "publisher": g.get("author"),
            "body": g.get("content") or ""}


def score(got: dict, exp: dict) -> dict[str, bool]:
    out = {}
    for key in ("title", "published", "index_no", "doc_no"):
        if key in exp and key in got:
            out[key] = got.get(key) == exp[key]
    if "publisher_contains" in exp:
        out["publisher"] = exp["publisher_contains"] in (got.get("publisher") or "")
    if "attachments" in exp and "attachments" in got:
        out["attachments"] = got["attachments"] == [a["url"] if isinstance(a, dict) else a for a in exp["attachments"]]
    if ("body_contains" in exp or "body_excludes" in exp) and "body" in got:
        body = got.get("body") or ""
        out["body"] = all(t in body for t in exp.get("body_contains", [])) and \
            not any(t in body for t in exp.get("body_excludes", []))
    return out


def main(argv: list[str]) -> None:
    folders = [Path(a) for a in argv] or [ROOT.parent.parent / "shared" / "realpages",
                                           ROOT / "tests" / "fixtures" / "pages"]
    folders = [f if (f / "expected.json").is_file() else Path("/work/shared/realpages") for f in folders]
    extractors = {"zwgk": ours}
    for name, fn, module in (("trafilatura", trafilatura_fields, "trafilatura"), ("gne", gne_fields, "gne")):
        try:
            __import__(module)
            extractors[name] = fn
        except ImportError:
            print(f"({name} not installed: skipped)")
    tally = {name: {f: [0, 0] for f in FIELDS} for name in extractors}
    whole = {name: [0, 0] for name in extractors}
    for page, raw, exp in _pages(folders):
        for name, fn in extractors.items():
            try:
                marks = score(fn(raw, exp), exp)
            except Exception as e:   # a library crashing on a page is a miss on every field
                print(f"{name} failed on {page}: {type(e).__name__}: {e}")
                marks = {k: False for k in score({}, exp)}
            for field, ok in marks.items():
                tally[name][field][0] += ok
                tally[name][field][1] += 1
            if name == "zwgk":
                whole[name][0] += all(marks.values())
                whole[name][1] += 1
                bad = [f for f, ok in marks.items() if not ok]
                if bad:
                    print(f"zwgk wrong on {page}: {', '.join(bad)}")
    print("| field | " + " | ".join(extractors) + " |")
    print("|---|" + "---|" * len(extractors))
    for field in FIELDS:
        cells = [f"{tally[n][field][0]}/{tally[n][field][1]}" if tally[n][field][1] else "—" for n in extractors]
        print(f"| {field} | " + " | ".join(cells) + " |")
    print(f"zwgk: pages with every annotated field right: {whole['zwgk'][0]}/{whole['zwgk'][1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
