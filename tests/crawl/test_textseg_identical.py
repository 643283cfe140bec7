"""The index's words (crawler/textseg.py on crawler/segmenter.py) are exactly the words jieba itself gives
(cut / cut_for_search, HMM on) after the index's filter (strip, lower case, no blanks or punctuation): a
store indexed before the faster segmenter and one indexed after hold the same rows."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawler import textseg
from crawler.segmenter import Segmenter

REALPAGES = Path("/work/shared/realpages")

TEXTS = [
    "", " ", "\u3000\u3000", "\r\n\t", "。，、；：？！……——", "《》“”‘’（）【】",
    "ＡＢＣ１２３ａｂｃ　全角：字母，数字。", "2020年GDP增长6.1%，CPI上涨2.5%；PM2.5浓度下降",
    "C++ 与 C# 的 e-mail: Zwgk.Test@Example.CN (v1.2.3) a_b __ -- +#&._%-",
    "《中华人民共和国政府信息公开条例》第二十条“三公”经费", "兖州区教育和体育局2020年部门预算公开\r\n\t附件：1.xlsx",
    "ⅠⅡⅢ①②③㈠㈡ ½ ² ℃ № ×÷ ±", "\U0001F600表情\U0001F4DA书", "Ελληνικά ΣΟΦΙΑΣ Кириллица العربية",
    "日本語のテキスト 한국어", "繁體中文：政府資訊公開條例", "İstanbul ǅemal ß ﬁ",
    "韩冰玉和欧阳娜娜在兖州区新兴路小学调研，王大锤说要落实双减", "关于印发《兖州区教体局2020年政务公开工作要点》的通知",
    "a" * 5000, "测试" * 3000, "政务公开" * 2000 + "。" + "部门预算决算三公经费" * 500,
]


def jieba_words(text, for_search):
    """What the index stored before: jieba's own words, then the filter per word."""
    if not text:
        return []
    jb = textseg._jieba()
    out = []
    for w in (jb.cut_for_search(text) if for_search else jb.cut(text)):
        w = w.strip().lower()
        if w and not textseg._PUNCT.fullmatch(w):
            out.append(w)
    return out


def random_texts(n=300, seed=14):
    """Texts jieba's dictionary and HMM both work on: common Hanzi, ASCII, symbols, blanks, full width."""
    rng = random.Random(seed)
    han = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    pool = han * 3 + "，。、；：？！“”《》（）　 \n\r\tABCxyz0123456789+#&._%-ＡＢ１２"
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 200))) for _ in range(n)]


def real_texts():
    from spiders.extract import extract

    out = []
    for page in sorted(REALPAGES.glob("*.html")):
        doc = extract(page.read_bytes(), f"http://real.invalid/{page.name}")
        out += [doc.get("title") or "", doc.get("body") or ""]
    return out


@pytest.mark.parametrize("for_search", [True, False])
def test_words_are_jiebas_words_on_edge_cases_random_and_real_text(for_search):
    texts = TEXTS + random_texts() + real_texts()
    assert sum(map(len, texts)) > 50_000   # the real pages were read
    for text in texts:
        assert textseg.words(text, for_search=for_search) == jieba_words(text, for_search), text[:80]
    for text in texts:   # the second time from the block cache
        assert textseg.words(text, for_search=for_search) == jieba_words(text, for_search), text[:80]


def test_segment_is_the_search_words_joined_and_a_cold_segmenter_agrees():
    cold = textseg.new_segmenter(block_cache=0)
    for text in TEXTS:
        assert textseg.segment(text) == " ".join(jieba_words(text, True))
        assert cold.words(text, True) == jieba_words(text, True)
    assert textseg.segment("兖州区2020年部门预算，“三公”经费。") == "兖州 兖州区 2020 年 部门 预算 部门预算 三公 经费"
    assert textseg.segment(None) == "" and textseg.segment("。，\u3000") == ""
    assert textseg.words("C++ 与 E-Mail") == ["c++", "与", "e", "mail"]   # "-" alone is punctuation


def test_the_dictionary_read_from_jiebas_cache_is_jiebas_own(tmp_path):
    import jieba

    from crawler.segmenter import load_cached_dictionary

    own = jieba.Tokenizer()
    own.initialize()   # jieba's way (writes its cache file if missing)
    fast = jieba.Tokenizer()
    assert load_cached_dictionary(fast) is True and fast.initialized
    assert fast.total == own.total and fast.FREQ == own.FREQ and len(fast.FREQ) > 300_000
    assert load_cached_dictionary(fast) is False   # already loaded: left alone

    broken = jieba.Tokenizer()
    broken.tmp_dir = str(tmp_path)
    (tmp_path / "jieba.cache").write_bytes(b"\x00 not marshal")
    assert load_cached_dictionary(broken) is False and not broken.initialized and broken.FREQ == {}


def test_equal_scores_take_the_longer_word_as_jieba_does():
    """With total 1 every known word scores log 1 = 0, so 甲乙 and 甲+乙 tie: jieba's max over (score, end)
    takes the longer word."""
    import jieba
    from jieba import finalseg, re_han_default, re_skip_default

    tiny = jieba.Tokenizer()
    tiny.FREQ, tiny.total, tiny.initialized = {"甲": 1, "乙": 1, "甲乙": 1, "丙": 1, "乙丙": 1}, 1, True
    seg = Segmenter(tiny, finalseg.cut, re_han_default, re_skip_default)
    for text in ("甲乙", "甲乙丙", "丙甲乙丙甲", "甲乙，乙丙"):
        assert seg.words(text) == [w for w in tiny.cut(text) if w != "，"]
    assert seg.words("甲乙") == ["甲乙"]


def test_a_store_indexed_with_jiebas_own_words_is_searched_like_one_indexed_now(tmp_path):
    """Rows written before this segmenter (jieba + the filter, as stores built until 2026-11-30 hold them) and
    rows written now answer every query alike: no reindexing after the upgrade."""
    from crawler.store import Store

    texts = real_texts()
    docs = [(texts[i], texts[i + 1]) for i in range(0, len(texts), 2)] + [(t[:30], t) for t in TEXTS if t.strip()]
    queries = ["预算", "部门决算", "招生计划", "征求意见", "政策解读", "三公经费", "疫情防控", "政务新媒体", "统计公报",
               "长三角一体化", "国民经济", "GDP", "C++", "PM2.5", "政府信息公开条例", "全角", "韩冰玉", "调研"]
    with Store(tmp_path / "zwgk.db") as store:
        for n, (title, body) in enumerate(docs):
            for kind in ("old", "new"):
                doc = {"url": f"http://127.0.0.1/{kind}/{n}.html", "site": "bureau", "title": title, "body": body,
                       "published": "2020-01-01"}
                old_rows = tuple(" ".join(jieba_words(t, True)) for t in (title, body, None))
                store.upsert_document(doc, segmented=old_rows if kind == "old" else None)
        found = {}
        for q in queries:
            hits = [r["url"].split("/", 3)[3] for r in store.search(q, limit=100)]
            found[q] = sorted(u[4:] for u in hits if u.startswith("new/"))
            assert found[q] == sorted(u[4:] for u in hits if u.startswith("old/")), q
    assert sum(1 for q in queries if found[q]) >= 12, found
    assert found["政务新媒体"] and found["三公经费"] and found["韩冰玉"]


def test_the_hmm_cut_is_jiebas_finalseg_cut():
    from jieba import finalseg

    from crawler.hmmcut import HmmCut

    hmm = HmmCut(finalseg)
    rng = random.Random(3)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说冰玉韩娜欧阳锤abcXYZ019.5%，"
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    for text in texts + ["韩冰玉", "欧阳娜娜", "锤", "Z锤我说1民5Y", "", "，", "ab12.5%"]:
        assert hmm(text) == list(finalseg.cut(text)), text
    assert hmm("韩冰玉说") == list(finalseg.cut("韩冰玉说")) == ["韩冰玉", "说"]
