"""NameIndex finds exactly the partners the pairwise comparison finds (policy ↔ 解读, draft ↔ 采纳情况)."""
import random

from rules.names import NameIndex, doc_name, same_document

STEMS = ["兖州区中小学校学区划分方案", "关于进一步加强校外培训机构管理的意见", "义务教育阶段学校招生工作实施办法",
         "幼儿园收费管理办法", "教师职称评审工作细则", "学生资助", "校园安全", "体育", "课后服务实施方案",
         "《济宁市兖州区教育督导规定》", "民办学校年检办法", "食堂", "教育局", "2020年部门预算"]
WRAPS = ["{}", "关于印发{}的通知", "《{}》政策解读", "图解：{}", "一图读懂{}", "{}（征求意见稿）", "关于{}公开征求意见的公告",
         "{}征求意见采纳情况的说明", "解读：{}", "{}（修订）", "{}补充规定", "{}实施细则"]


def titles(rng, n):
    out = []
    for _ in range(n):
        stem = rng.choice(STEMS)
        if rng.random() < 0.3:   # edited variants: a character dropped or added
            i = rng.randrange(len(stem))
            stem = stem[:i] + stem[i + 1:] if rng.random() < 0.5 else stem[:i] + rng.choice("的和区市") + stem[i:]
        out.append(rng.choice(WRAPS).format(stem))
    return out


def test_the_index_finds_what_comparing_every_pair_finds():
    rng = random.Random(7)
    items = [({"title": t, "url": f"u{i}"}, []) for i, t in enumerate(titles(rng, 400))]
    index = NameIndex(items)
    checked = hits = 0
    for title in titles(rng, 300) + ["", "学", "体育局", STEMS[0]]:
        name = doc_name(title)
        want = [x for x in items if same_document(name, doc_name(x[0]["title"]))]
        assert index.matches(name) == want, title
        checked += 1
        hits += bool(want)
    assert hits > 100 and checked - hits > 10   # both found and not found were exercised
