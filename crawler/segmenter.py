"""jieba's segmentation as the index uses it (``cut`` and ``cut_for_search``, HMM on), the same words with
less work per character, already filtered the way crawler/textseg.py keeps words (no blanks, no
punctuation, lower case).

jieba (0.42) cuts a text in blocks of Hanzi/ASCII word characters (``re_han_default``); per block it builds
a DAG of dictionary words, picks the likeliest route with ``calc`` (a ``max`` over a generator of tuples and
a ``log`` per edge), then runs the HMM over runs of single characters. Here the same block split, the same
route (same float sums, same tie-break: the longer word), the same HMM (jieba's ``finalseg.cut`` or
crawler/hmmcut.py, the same words), and the same 2-/3-gram lookups of search mode, but: each word's
log-probability is computed once per process (memo), the DAG and the route are one right-to-left pass over
lists, and a block seen before is not cut again (titles and boilerplate sentences repeat across documents). tests/crawl/test_textseg_identical.py and
``bench/segbench.py check`` compare the output with jieba's own on every text of a corpus.
"""
from __future__ import annotations

import re
from functools import lru_cache
from math import log

#: blocks remembered per process (and per mode): ~1,000 typical pages' sentences, a few MB
BLOCK_CACHE = 1 << 14
#: words remembered per process with their search-mode parts (then forgotten all at once)
MEMO = 1 << 17
_MISS = object()
_SYMBOLS = re.compile(r"[+#&._%\-]")     # the non-word characters jieba keeps inside a block
_PUNCT = re.compile(r"[\s\u3000\W_]+", re.UNICODE)


def load_cached_dictionary(tokenizer) -> bool:
    """Load jieba's default dictionary from jieba's own cache file, as jieba's ``initialize`` would (same
    file, same condition: the default dictionary and its cache present), but with ``marshal.loads`` of the
    bytes: jieba's ``marshal.load`` of the open file costs ~3× the CPU (0.75 s against 0.23 s here), once
    per process that segments (the crawl's CPU worker, each ``db import`` worker, each command).
    False (and nothing changed): jieba loads it itself."""
    import marshal
    import os
    import tempfile

    if tokenizer.initialized or tokenizer.dictionary is not None or tokenizer.cache_file:
        return False
    path = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), "jieba.cache")
    try:
        with open(path, "rb") as f:
            freq, total = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return False
    if not isinstance(freq, dict) or not freq or not isinstance(total, int):
        return False
    with tokenizer.lock:
        tokenizer.FREQ, tokenizer.total = freq, total
        tokenizer.initialized = True
    return True


def kept(word: str) -> str | None:
    """A word as the index keeps it (stripped, lower case), or None for blanks and punctuation."""
    w = word.strip().lower()
    return w if w and not _PUNCT.fullmatch(w) else None


class Segmenter:
    """Words of texts, cut like ``tokenizer.cut(text)`` / ``tokenizer.cut_for_search(text)`` and kept like
    ``kept``. *tokenizer* is a loaded jieba Tokenizer whose dictionary no longer changes."""

    def __init__(self, tokenizer, finalseg_cut, han_re, skip_re, block_cache: int = BLOCK_CACHE):
        tokenizer.check_initialized()
        self.freq = tokenizer.FREQ
        self.logtotal = log(tokenizer.total)
        self.han_split = han_re.split
        self.skip_re = skip_re
        self.logp: dict = {}   # word or prefix → log-probability (None: only a prefix of words)
        self.grams: dict = {}  # word longer than 2 → its search-mode words
        self._hmm = lru_cache(maxsize=block_cache)(lambda run: tuple(finalseg_cut(run)))
        self._other = lru_cache(maxsize=block_cache)(self._other_words)
        self._accurate = lru_cache(maxsize=block_cache)(self._accurate_words)
        self._search = lru_cache(maxsize=block_cache)(self._search_words)

    def words(self, text: str, for_search: bool = False) -> list[str]:
        han = self._search if for_search else self._accurate
        other = self._other
        out: list[str] = []
        for i, block in enumerate(self.han_split(text)):
            if block:
                out += han(block) if i & 1 else other(block)
        return out

    # -- blocks ------------------------------------------------------------------------------------------
    def _other_words(self, block: str) -> tuple:
        """A block between word blocks: blanks and single characters (jieba yields each one)."""
        out = []
        for piece in self.skip_re.split(block):
            for w in ((piece,) if self.skip_re.match(piece) else piece):
                w = kept(w)
                if w:
                    out.append(w)
        return tuple(out)

    def _accurate_words(self, block: str) -> tuple:
        return self._keep(block, self._cut(block))

    def _search_words(self, block: str) -> tuple:
        """cut_for_search: before each word longer than 2, its dictionary 2-grams, then (longer than 3) its
        3-grams, in order."""
        grams, out = self.grams, []
        for w in self._cut(block):
            if len(w) > 2:
                g = grams.get(w)
                if g is None:
                    if len(grams) >= MEMO:
                        grams.clear()
                    g = grams[w] = self._grams(w)
                out += g
            else:
                out.append(w)
        return self._keep(block, out)

    def _grams(self, w: str) -> tuple:
        freq, n = self.freq, len(w)
        out = [w[i:i + 2] for i in range(n - 1) if freq.get(w[i:i + 2])]
        if n > 3:
            out += [w[i:i + 3] for i in range(n - 2) if freq.get(w[i:i + 3])]
        out.append(w)
        return tuple(out)

    @staticmethod
    def _keep(block: str, words: list[str]) -> tuple:
        """``kept`` for words of a word block: only ASCII letters change case, only runs of its symbols
        (+#&._%-) are punctuation, so most blocks need neither step."""
        if block.lower() != block:
            words = [w.lower() for w in words]
        if _SYMBOLS.search(block):
            words = [w for w in words if not _PUNCT.fullmatch(w)]
        return tuple(words)

    # -- jieba's __cut_DAG ---------------------------------------------------------------------------
    def _route(self, s: str) -> list[int]:
        """For each position, the end of the word the likeliest route takes from there (jieba's get_DAG +
        calc: score = log P(word) + score after it; equal scores take the longer word)."""
        n = len(s)
        ends = [0] * n
        score = [0.0] * (n + 1)
        logp, freq, logtotal = self.logp, self.freq, self.logtotal
        for k in range(n - 1, -1, -1):
            best, end = None, k + 1
            i, frag = k + 1, s[k]
            while True:
                p = logp.get(frag, _MISS)
                if p is _MISS:
                    f = freq.get(frag)
                    if f is None:
                        break
                    p = logp[frag] = (log(f) - logtotal) if f else None
                if p is not None:
                    total = p + score[i]
                    if best is None or total >= best:
                        best, end = total, i
                if i == n:
                    break
                i += 1
                frag = s[k:i]
            if best is None:   # no dictionary word starts here: the character alone, frequency 1
                best = (log(1) - logtotal) + score[k + 1]
            score[k] = best
            ends[k] = end
        return ends

    def _cut(self, s: str) -> list[str]:
        """jieba's words of one word block: the route's words; runs of single characters that are not a
        dictionary word go through the HMM."""
        ends = self._route(s)
        freq = self.freq
        out: list[str] = []
        x, run, n = 0, -1, len(s)
        while x < n:
            y = ends[x]
            if y - x == 1:
                if run < 0:
                    run = x
            else:
                if run >= 0:
                    self._run(s[run:x], out, freq)
                    run = -1
                out.append(s[x:y])
            x = y
        if run >= 0:
            self._run(s[run:], out, freq)
        return out

    def _run(self, buf: str, out: list[str], freq: dict) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not freq.get(buf):
            out += self._hmm(buf)
        else:
            out.extend(buf)
