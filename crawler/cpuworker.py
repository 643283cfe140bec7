"""A CPU worker of crawler/cpupool.py: ``python -m crawler.cpuworker``.

Reads calls from stdin (an 8-byte length, then a pickle of ``(function, args)``), answers each on stdout
(the same framing, a pickle of ``(ok, result or exception)``), and exits when stdin closes: when the crawl
ends, or is killed. Anything else printed goes to stderr, never into the answers.
"""
from __future__ import annotations

import os
import pickle
import sys

HEADER = 8
WARM = "ZWGK_CPU_WARM"   # "0": a worker of a crawl that may never segment: jieba's dictionary loads on first use


def _read(stream, n: int) -> bytes | None:
    data = bytearray()
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _answer(ok: bool, value) -> bytes:
    try:
        return pickle.dumps((ok, value), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:  # noqa: BLE001 — an exception (or result) that does not pickle
        return pickle.dumps((False, RuntimeError(f"{type(value).__name__}: {value} ({e})")))


def main() -> None:
    source = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)   # a stray print must not corrupt the answers
    from . import textseg

    if os.environ.get(WARM) != "0":
        textseg.segment("预热")   # jieba's dictionary loads once, before the first document
    while True:
        header = _read(source, HEADER)
        if header is None:
            return
        payload = _read(source, int.from_bytes(header, "big"))
        if payload is None:
            return
        try:
            fn, args = pickle.loads(payload)
            answer = _answer(True, fn(*args))
        except Exception as e:  # noqa: BLE001 — the crawl logs it with the page
            answer = _answer(False, e)
        answers.write(len(answer).to_bytes(HEADER, "big") + answer)
        answers.flush()


if __name__ == "__main__":
    main()
