"""Broken links shown by the article that holds them and the link's own words (links.text, m6), the URL behind:
in the HTML and text reports, the XLSX evidence sheet and the mail's decoded body. The words are crawled
text: markup escaped, control characters out, direction overrides visible, a long text cut."""
from __future__ import annotations

import io
from email import message_from_bytes, policy

import openpyxl
from click.testing import CliRunner

from crawler.store import Store
from zwgk.cli import cli

CONFIG = """\
contact: admin@example.org
paths: {plan: plan.yaml, data: var}
sites:
  bureau: {name: 某县教育局, base_url: "http://127.0.0.1:9"}
units:
  - {name: 综合股, kind: office, email: [zh@example.org]}
lead_unit: 综合股
"""
PLAN = """\
year: 2020
sections:
  - title: 一、网站
    tasks:
      - number: 1
        title: 网站管理
        requirements:
          - id: "1.1"
            text: 网站链接保持有效。
            units: [综合股]
            checks:
              - {name: 失效链接, kind: links, params: {max_broken: 0}}
"""
PAGE = "http://127.0.0.1:9/art/2020/3/2/art_12_7.html"
GONE = "http://127.0.0.1:9/art/2019/1/1/gone.html"
HOSTILE = "<b>上年预算</b>\x07表\u202egpj.exe" + "很长的链接文字" * 20


def _checked(tmp_path):
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    with Store(tmp_path / "zwgk.db") as store:
        store.upsert_document({"url": PAGE, "site": "bureau", "column_id": "12", "title": "县教育局召开春季开学工作会议",
                               "published": "2020-03-02", "body": "会议"})
        store.record_links([{"from_url": PAGE, "to_url": GONE, "status": None, "error": "pending",
                             "kind": "internal", "text": HOSTILE}])
        # tonight's answer comes without words (a HEAD check): the words found with the link stay
        store.record_links([{"from_url": PAGE, "to_url": GONE, "status": 404, "kind": "internal"}])
    base = ["--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "zwgk.db")]
    for args in (["check", "--as-of", "2020-12-31"], ["report"], ["mail", "--dry-run"]):
        res = CliRunner().invoke(cli, base + args, env={"ZWGK_CONFIG": None, "ZWGK_DB": None})
        assert res.exit_code == 0, (args, res.output)
    return tmp_path / "var"


def test_broken_link_by_its_words_escaped_and_cut_in_every_report(tmp_path):
    var = _checked(tmp_path)
    shown = "“&lt;b&gt;上年预算&lt;/b&gt;表⟨U+202E⟩gpj.exe" + "很长的链接文字" * 5 + "很长的…”链接失效"   # 60 characters
    html = (var / "reports" / "units" / "综合股.html").read_text(encoding="utf-8")
    assert "县教育局召开春季开学工作会议" in html and shown + "（HTTP 404）" in html
    assert f"<code>{GONE}</code>" in html and "<b>上年" not in html and "\x07" not in html

    text = (var / "reports" / "units" / "综合股.txt").read_text(encoding="utf-8")
    plain = shown.replace("&lt;", "<").replace("&gt;", ">")
    assert f"需处理：县教育局召开春季开学工作会议（2020-03-02） — 其中{plain}（HTTP 404）" in text
    assert f"失效地址：{GONE}" in text and "\u202e" not in text

    book = openpyxl.load_workbook(var / "reports" / "units" / "综合股.xlsx")
    sheet = book.worksheets[1]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[6] for r in rows] == [f"其中{plain}（HTTP 404）；失效地址：{GONE}"]
    assert sheet.cell(2, 7).hyperlink.target == GONE and sheet.cell(2, 6).hyperlink.target == PAGE

    eml = next((var / "outbox").rglob("*综合股*.eml"), None) or next((var / "outbox").rglob("*.eml"))
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = msg.get_body(("html",)).get_content()
    assert f'<a href="{GONE}">其中{shown}（HTTP 404）</a>' in body
    assert f"其中{plain}（HTTP 404）" in msg.get_body(("plain",)).get_content()
