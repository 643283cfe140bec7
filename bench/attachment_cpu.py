"""The attachment sandbox's work of one night, by file type, in CPU seconds (issue 15, entry 15c).

    python bench/attachment_cpu.py collect OUT [SCALE]   # one 1-worker Redis night on the 8-host replica,
                                                          # then every attachment file it fetched → OUT/files
    python bench/attachment_cpu.py measure OUT            # attachment_text on each file, in this process

``measure`` imports spiders.attachments from the current directory, so the same corpus can be measured
with two trees (run it from each), interleaved. Needs redis-server for ``collect``.
"""
from __future__ import annotations

import collections
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

FILE = re.compile(r"\.(pdf|docx|xlsx|doc|xls|csv|zip)(\?|$)")


def collect(out: Path, scale: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from store_compare import replica_and_redis

    (out / "files").mkdir(parents=True, exist_ok=True)
    with replica_and_redis(scale) as (rb, urls, redis_url):
        night = Path(tempfile.mkdtemp())
        rb.run_redis(rb.district(night, urls), redis_url, 1, urls, night)
        index = []
        for key, base in urls.items():
            for q in json.load(urllib.request.urlopen(base + "/__replica__/requests.json"))["requests"]:
                if q["method"] != "GET" or not FILE.search(q["path"]):
                    continue
                try:
                    data = urllib.request.urlopen(base + q["path"]).read()
                except urllib.error.HTTPError:
                    continue   # the replica's planted missing files
                name = f"{key}_" + re.sub(r"[^\w.]", "_", q["path"])[-80:]
                (out / "files" / name).write_bytes(data)
                index.append({"file": name, "type": FILE.search(q["path"]).group(1), "size": len(data)})
        (out / "index.json").write_text(json.dumps(index, indent=1))
        print(len(index), "files", dict(collections.Counter(i["type"] for i in index)))


def measure(out: Path) -> None:
    sys.path.insert(0, os.getcwd())
    t0 = time.process_time()
    from spiders.attachments import attachment_text

    cost: dict[str, float] = collections.defaultdict(float)
    count: collections.Counter = collections.Counter()
    for item in json.loads((out / "index.json").read_text()):
        data = (out / "files" / item["file"]).read_bytes()
        t = time.process_time()
        attachment_text(data, item["type"])
        cost[item["type"]] += time.process_time() - t
        count[item["type"]] += 1
    for kind in sorted(cost):
        print(f"{kind}: {count[kind]} files {cost[kind]:.3f} CPU s ({1000 * cost[kind] / count[kind]:.2f} ms/file)")
    print(f"total {time.process_time() - t0:.3f} CPU s (with the parsers' imports)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["collect"]:
        collect(Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.02)
    elif sys.argv[1:2] == ["measure"]:
        measure(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
