"""E-mail: delivered through a real SMTP server (aiosmtpd on 127.0.0.1), parsed back and checked."""
from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from reports.mailer import send_reports, subject_for
from test_reports_data import HOSTILE, PLAN, free_port, make_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Inbox:
    """aiosmtpd handler keeping every message; can reject chosen recipients."""

    def __init__(self, reject: set[str] | None = None):
        self.messages: list[tuple[list[str], bytes]] = []
        self.reject = set(reject or ())

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def parsed(self):
        return [(rcpts, raw, message_from_bytes(raw, policy=policy.default)) for rcpts, raw in self.messages]

    def by_subject(self, fragment: str):
        found = [m for m in self.parsed() if fragment in str(m[2]["Subject"])]
        assert len(found) == 1, [str(m[2]["Subject"]) for m in self.parsed()]
        return found[0]


class Server:
    def __init__(self, handler, port=None, **kw):
        self.port = port or free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **kw)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def xlsx_rows(part) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(part.get_content()))
    assert wb.sheetnames == ["发现", "证据"]
    return list(wb["发现"].iter_rows(min_row=2, values_only=True))


@pytest.fixture()
def smtp():
    inbox = Inbox()
    with Server(inbox) as server:
        yield inbox, server.port


def test_delivers_each_unit_and_summary(tmp_path, smtp):
    inbox, port = smtp
    config, store, ids = make_world(tmp_path, port=port)
    result = send_reports(store, config, PLAN)
    assert result.counts == {"sent": 4, "failed": 0, "skipped": 1, "dry_run": 0}
    assert sorted(result.sent) == sorted(["办公室", "计财科", "基础教育科", "办公室（汇总）"])
    assert result.skipped == [("学前教育科", "没有邮箱")]
    assert len(inbox.messages) == 4

    rcpts, raw, msg = inbox.by_subject("基础教育科")
    assert rcpts == ["jjk@example.org", "jjk2@example.org"]
    # the subject is RFC 2047-encoded on the wire and decodes to the exact Chinese text
    raw_subject = re.search(rb"^Subject: (.*(?:\r?\n[ \t].*)*)", raw, re.M).group(1).decode("ascii")
    assert "=?utf-8?" in raw_subject.lower()
    assert str(make_header(decode_header(raw_subject))) == "【政务公开】基础教育科：2项待公开（截至2020-12-31）"
    assert msg["Subject"] == subject_for("基础教育科", 2, "2020-12-31")
    assert "zwgk@example.org" in msg["From"]
    assert msg["To"] == "jjk@example.org, jjk2@example.org"

    html = msg.get_body(("html",)).get_content()
    assert "共有 <b style=\"color:#8a1c0f;\">2 项待处理</b>" in html
    assert PLAN["sections"][0]["tasks"][0]["requirements"][2]["text"] in html
    assert html.index('data-status="gap"') < html.index('data-status="late"')
    assert "基础教育科.xlsx" in html
    assert 'href="javascript:' not in html
    assert "<img src=x" not in html and "晚于期限20天公开&lt;img src=x onerror=alert(3)&gt;" in html
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith("基础教育科 · 政务公开检查报告")

    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["基础教育科.xlsx"]
    assert attachments[0].get_content_type() == XLSX
    rows = xlsx_rows(attachments[0])
    assert [(r[0], r[4]) for r in rows] == [("1.3", "gap"), ("1.3", "late"), ("4.1", "at_risk")]

    # the hostile title reaches 计财科 as text only
    _, _, jck = inbox.by_subject("计财科")
    assert jck["Subject"] == "【政务公开】计财科：0项待公开（截至2020-12-31）"
    jck_html = jck.get_body(("html",)).get_content()
    assert "<script>alert" not in jck_html and 'onmouseover="alert' not in jck_html
    assert [r[0] for r in xlsx_rows(next(jck.iter_attachments()))] == ["4.1", "6.1", "1.1", "1.2"]
    assert HOSTILE in jck.get_body(("plain",)).get_content()

    # summary to the office: coverage, units without address (XLSX attached), group handling
    rcpts, _, summary = inbox.by_subject("汇总")
    assert rcpts == ["bgs@example.org"]
    assert summary["Subject"] == "【政务公开】汇总：共2项待公开，覆盖率40.0%（截至2020-12-31）"
    s_html = summary.get_body(("html",)).get_content()
    assert "总体覆盖率：<b>40.0%</b>" in s_html
    no_email = s_html[s_html.index('data-role="no-email"'):]
    assert "学前教育科" in no_email[:200]
    assert "“机关各科室”：分送各成员单位 → 办公室、计财科、基础教育科、学前教育科" in s_html
    assert "“区直各学校（单位、幼儿园）”：由联系单位“基础教育科”统一接收 → 基础教育科" in s_html
    names = [a.get_filename() for a in summary.iter_attachments()]
    assert names == ["全部单位（截至2020-12-31）.xlsx", "学前教育科.xlsx"]
    xq = [a for a in summary.iter_attachments() if a.get_filename() == "学前教育科.xlsx"][0]
    assert [r[0] for r in xlsx_rows(xq)] == ["4.1"]

    # outbox and deliveries
    outbox = config.outbox_dir / str(ids[1])
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        ["办公室.eml", "计财科.eml", "基础教育科.eml", "办公室（汇总）.eml"])
    kept = message_from_bytes((outbox / "基础教育科.eml").read_bytes(), policy=policy.default)
    assert kept["Subject"] == msg["Subject"] and kept["Message-ID"] == msg["Message-ID"]
    rows = {d["unit"]: d for d in store.deliveries(ids[1])}
    assert set(rows) == {"办公室", "计财科", "基础教育科", "办公室（汇总）"}
    assert all(d["status"] == "sent" and d["attempts"] == 1 and d["error"] is None for d in rows.values())
    assert rows["基础教育科"]["recipients"] == ["jjk@example.org", "jjk2@example.org"]

    # a second run sends nothing new
    again = send_reports(store, config, PLAN)
    assert again.counts["sent"] == 0 and again.counts["failed"] == 0
    assert len(inbox.messages) == 4
    assert {d["unit"]: d["attempts"] for d in store.deliveries(ids[1])}["基础教育科"] == 1
    store.close()


def test_refused_connection_is_recorded_and_retried(tmp_path):
    port = free_port()  # nothing listens here yet
    config, store, ids = make_world(tmp_path, port=port)
    first = send_reports(store, config, PLAN)
    assert first.counts == {"sent": 0, "failed": 4, "skipped": 1, "dry_run": 0}
    for unit, error in first.failed:
        assert "连接被拒绝" in error, error
    rows = {d["unit"]: d for d in store.deliveries(ids[1])}
    assert {d["status"] for d in rows.values()} == {"failed"}
    assert rows["基础教育科"]["attempts"] == 1
    assert (config.outbox_dir / str(ids[1]) / "基础教育科.eml").is_file()

    inbox = Inbox()
    with Server(inbox, port=port):
        second = send_reports(store, config, PLAN)
        assert second.counts == {"sent": 4, "failed": 0, "skipped": 1, "dry_run": 0}
        assert len(inbox.messages) == 4
        rows = {d["unit"]: d for d in store.deliveries(ids[1])}
        assert {d["status"] for d in rows.values()} == {"sent"}
        assert rows["基础教育科"]["attempts"] == 2 and rows["基础教育科"]["error"] is None
        third = send_reports(store, config, PLAN)
        assert third.counts["sent"] == 0 and len(inbox.messages) == 4
    store.close()


def test_rejected_recipient_fails_only_that_unit(tmp_path):
    inbox = Inbox(reject={"jck@example.org"})
    with Server(inbox) as server:
        config, store, ids = make_world(tmp_path, port=server.port)
        first = send_reports(store, config, PLAN)
        assert [u for u, _ in first.failed] == ["计财科"]
        assert "收件人被拒绝：jck@example.org（550" in first.failed[0][1]
        assert first.counts["sent"] == 3
        assert store.delivery(ids[1], "计财科")["status"] == "failed"
        inbox.reject.clear()
        second = send_reports(store, config, PLAN)
        assert second.sent == ["计财科"]
        assert [r for r, _ in inbox.messages][-1] == ["jck@example.org"]
        assert store.delivery(ids[1], "计财科")["attempts"] == 2
    store.close()


def test_authentication_failure_then_success(tmp_path, monkeypatch):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"zwgk" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    inbox = Inbox()
    with Server(inbox, authenticator=authenticator, auth_require_tls=False) as server:
        extra = ", username: zwgk, password_env: ZWGK_TEST_SMTP_PW"
        config, store, ids = make_world(tmp_path, port=server.port, extra=extra)
        monkeypatch.delenv("ZWGK_TEST_SMTP_PW", raising=False)
        none = send_reports(store, config, PLAN)
        assert none.counts["failed"] == 4
        assert "ZWGK_TEST_SMTP_PW" in none.failed[0][1]
        monkeypatch.setenv("ZWGK_TEST_SMTP_PW", "wrong")
        bad = send_reports(store, config, PLAN)
        assert bad.counts["failed"] == 4 and "拒绝登录" in bad.failed[0][1]
        assert not inbox.messages
        monkeypatch.setenv("ZWGK_TEST_SMTP_PW", "s3cret")
        good = send_reports(store, config, PLAN)
        assert good.counts == {"sent": 4, "failed": 0, "skipped": 1, "dry_run": 0}
        assert store.delivery(ids[1], "计财科")["attempts"] == 3
    store.close()


def test_dry_run_writes_eml_only(tmp_path, smtp):
    inbox, port = smtp
    config, store, ids = make_world(tmp_path, port=port)
    dry = send_reports(store, config, PLAN, dry_run=True)
    assert dry.counts == {"sent": 0, "failed": 0, "skipped": 1, "dry_run": 4}
    assert not inbox.messages
    eml = config.outbox_dir / str(ids[1]) / "计财科.eml"
    assert message_from_bytes(eml.read_bytes(), policy=policy.default)["Subject"].startswith("【政务公开】计财科")
    assert {d["status"] for d in store.deliveries(ids[1])} == {"dry_run"}
    assert store.delivery(ids[1], "计财科")["attempts"] == 0
    real = send_reports(store, config, PLAN)
    assert real.counts["sent"] == 4 and len(inbox.messages) == 4
    store.close()


def test_new_check_run_is_delivered_again(tmp_path, smtp):
    inbox, port = smtp
    config, store, ids = make_world(tmp_path, port=port)
    send_reports(store, config, PLAN)
    from test_reports_data import RUN2
    rid = store.start_run("check", as_of="2021-01-31")
    store.add_findings(rid, RUN2)
    store.finish_run(rid)
    res = send_reports(store, config, PLAN)
    assert res.run_id == rid and res.counts["sent"] == 4
    assert len(inbox.messages) == 8
    assert inbox.parsed()[-1][2]["X-Zwgk-Run"] == str(rid)
    store.close()


def test_mail_command(tmp_path):
    from zwgk.cli import cli

    port = free_port()
    config, store, ids = make_world(tmp_path, port=port)
    store.close()
    args = ["--config", str(config.path), "--db", str(tmp_path / "zwgk.db"), "mail"]
    runner = CliRunner()
    res = runner.invoke(cli, args)
    assert res.exit_code == 1, res.output
    assert "sent=0 failed=4 skipped=1 dry_run=0" in res.output
    res = runner.invoke(cli, args + ["--dry-run"])
    assert res.exit_code == 0, res.output
    assert "试运行" in res.output
    inbox = Inbox()
    with Server(inbox, port=port):
        res = runner.invoke(cli, args)
        assert res.exit_code == 0, res.output
        assert "sent=4 failed=0 skipped=1 dry_run=0" in res.output
        assert "已发送 4 封" in res.output
        res = runner.invoke(cli, args)
        assert "sent=0 failed=0 skipped=5 dry_run=0" in res.output
    assert len(inbox.messages) == 4
