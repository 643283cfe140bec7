"""jieba's HMM for runs of characters no dictionary word covers (``jieba.finalseg.cut``), the same words
with less work: jieba's ``viterbi`` builds a list of tuples for every ``max`` and copies each state's whole
path at every character (quadratic in the run); here the four states' scores are plain floats with the
same sums in the same order and the same tie-break (``max`` over ``(score, state)`` tuples: the later
letter wins), and the path is read back from one back-pointer per character.
"""
from __future__ import annotations


class HmmCut:
    """``HmmCut(jieba.finalseg)(text)`` is ``list(jieba.finalseg.cut(text))``."""

    def __init__(self, finalseg):
        self.re_han, self.re_skip = finalseg.re_han, finalseg.re_skip
        self.force_split = finalseg.Force_Split_Words   # a set jieba's add_word(…, 0) adds to in place
        low = self.low = finalseg.MIN_FLOAT
        start, trans, self.emit = finalseg.start_P, finalseg.trans_P, finalseg.emit_P
        self.start = tuple(start[y] for y in "BMSE")
        t = {(a, b): trans[a].get(b, low) for a in "BMES" for b in "BMES"}
        self.t = (t["E", "B"], t["S", "B"], t["M", "M"], t["B", "M"], t["S", "S"], t["E", "S"],
                  t["B", "E"], t["M", "E"])

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for block in self.re_han.split(text):
            if self.re_han.match(block):
                for word in self._words(block):
                    if word in self.force_split:
                        out.extend(word)
                    else:
                        out.append(word)
            else:
                out.extend(x for x in self.re_skip.split(block) if x)
        return out

    def _states(self, obs: str) -> list[str]:
        low = self.low
        eb, em, es, ee = (self.emit[y] for y in "BMSE")
        teb, tsb, tmm, tbm, tss, tes, tbe, tme = self.t
        c = obs[0]
        sb, sm, ss, se = self.start
        b, m, s, e = sb + eb.get(c, low), sm + em.get(c, low), ss + es.get(c, low), se + ee.get(c, low)
        back = []
        for c in obs[1:]:
            x, y = e + teb, s + tsb            # B from E or S
            emit = eb.get(c, low)
            x, y = x + emit, y + emit
            nb, pb = (x, "E") if x > y else (y, "S")
            x, y = m + tmm, b + tbm            # M from M or B
            emit = em.get(c, low)
            x, y = x + emit, y + emit
            nm, pm = (x, "M") if x >= y else (y, "B")
            x, y = s + tss, e + tes            # S from S or E
            emit = es.get(c, low)
            x, y = x + emit, y + emit
            ns, ps = (x, "S") if x >= y else (y, "E")
            x, y = b + tbe, m + tme            # E from B or M
            emit = ee.get(c, low)
            x, y = x + emit, y + emit
            ne, pe = (x, "B") if x > y else (y, "M")
            b, m, s, e = nb, nm, ns, ne
            back.append((pb, pm, ps, pe))
        state = "S" if s >= e else "E"
        states = [state]
        for prev in reversed(back):
            state = prev["BMSE".index(state)]
            states.append(state)
        states.reverse()
        return states

    def _words(self, sentence: str) -> list[str]:
        out = []
        begin = nexti = 0
        for i, pos in enumerate(self._states(sentence)):
            if pos == "B":
                begin = i
            elif pos == "E":
                out.append(sentence[begin:i + 1])
                nexti = i + 1
            elif pos == "S":
                out.append(sentence[i])
                nexti = i + 1
        if nexti < len(sentence):
            out.append(sentence[nexti:])
        return out
