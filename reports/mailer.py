"""E-mail delivery of the per-unit reports (``zwgk mail``), through smtplib.

One message per recipient unit of a check run: an HTML body with the summary and the top gaps, the plain
text report as the alternative, the unit's XLSX attached. Subject::

    【政务公开】基础教育科：3项待公开（截至2020-12-31）

where the number is gap + late (``UnitView.action_count``): a late item was published after its deadline,
and still needs the unit's attention. Plus one summary message to the lead office (办公室): overall coverage,
every unit's counts and delivery state, units without an address (their XLSX attached for forwarding), how
group units were routed, unassigned requirements.

Idempotent per check run: the ``deliveries`` table holds one row per (run_id, unit) with status
``sent`` | ``failed`` | ``dry_run``, attempts and the last error. A rerun skips what was sent; a failed one
(connection refused, authentication failure, rejected recipient …) is retried on the next run. Every message
is kept as ``<outbox>/<run_id>/<unit>.eml``; ``dry_run`` writes those files and sends nothing.

SMTP host, port, security (none | ssl | starttls), sender and username come from the configuration;
the password only from the environment variable named by ``mail.password_env``.

Crawl health (spiders/health.py): the office's summary also carries every crawl-health alarm not yet
reported, with its evidence, and every recovery not yet reported — each once (``alarms.notified_run`` /
``recovery_notified_run`` are set when the message carrying them was sent); alarms still active that were
reported before are only counted. When this run's summary went out before (a night whose check failed mails
the previous run), the alarms go to the office in a message of their own. When the latest crawl did not
complete (or is old), every message starts with a note saying how old the data is (数据截至 …).
"""
from __future__ import annotations

import hashlib
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from html import escape
from typing import Any

from crawler.alarms import data_freshness, describe, local_time, samples_of

from .model import build_model, unit_filename
from .planview import load_plan
from .renderers import TextReporter, XlsxReporter, environment, reporter
from .statuses import STATUS_COLOURS

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SENDER_NAME = "政务公开监测"
TOP_GAPS = 10


class MailError(Exception):
    pass


@dataclass
class Outgoing:
    unit: str                 # the deliveries key: a unit name, or "<lead>（汇总）" for the summary
    recipients: list[str]
    message: EmailMessage
    kind: str = "unit"        # unit | summary

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


@dataclass
class MailResult:
    run_id: int
    outbox: Path
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)         # (unit, error)
    skipped: list[tuple[str, str]] = field(default_factory=list)        # (unit, reason)
    dry_run: list[str] = field(default_factory=list)
    eml: dict[str, Path] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {"sent": len(self.sent), "failed": len(self.failed), "skipped": len(self.skipped),
                "dry_run": len(self.dry_run)}

    @property
    def ok(self) -> bool:
        return not self.failed


# --- building messages ----------------------------------------------------------------------------

def subject_for(unit: str, count: int, as_of: str) -> str:
    return f"【政务公开】{unit}：{count}项待公开（截至{as_of}）"


def summary_key(lead: str) -> str:
    return f"{lead}（汇总）"


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1] if "@" in sender else "localhost"


def _message_id(run_id: int, key: str, sender: str) -> str:
    """Stable per (run, unit): a retried message keeps its id, so mail systems can tell it is the same one."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return f"<zwgk.{run_id}.{digest}@{_domain(sender)}>"


def _base_message(config, run_id: int, key: str, subject: str, recipients: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    local, _, domain = config.mail.sender.partition("@")
    msg["From"] = Address(SENDER_NAME, local, domain) if domain else config.mail.sender
    msg["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = _message_id(run_id, key, config.mail.sender)
    msg["X-Zwgk-Run"] = str(run_id)
    msg["X-Zwgk-Unit"] = key
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _with_note(html: str, note: str | None) -> str:
    """The data-age note as the first thing in an HTML mail body."""
    if not note:
        return html
    banner = (f'<p data-role="data-age" style="margin:0 0 12px;padding:8px 12px;background:#fff8c5;'
              f'border:1px solid #d4a72c;color:#6a4b00;">{escape(note)}</p>')
    out, n = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + banner, html, count=1)
    return out if n else banner + html


def build_unit_message(model, view, config, note: str | None = None) -> Outgoing:
    """A unit's message; *note* (the data-age sentence, 数据截至 …) heads the text and HTML bodies."""

    subject = subject_for(view.name, view.action_count, model.as_of)
    msg = _base_message(config, model.run["id"], view.name, subject, view.emails)
    attachment_name = f"{unit_filename(view.name)}.xlsx"
    text = reporter("txt", model)
    assert isinstance(text, TextReporter)
    body = text.render_text(view)
    msg.set_content(f"{note}\n\n{body}" if note else body)
    action = view.by("gap", "late")
    html = environment().get_template("mail_unit.html").render(
        m=model, plan=model.plan, u=view, subject=subject, colours=STATUS_COLOURS, top=action[:TOP_GAPS],
        more=len(action) > TOP_GAPS, soon=view.by("at_risk"), attachment_name=attachment_name)
    msg.add_alternative(_with_note(html, note), subtype="html")
    xlsx = reporter("xlsx", model)
    assert isinstance(xlsx, XlsxReporter)
    msg.add_attachment(xlsx.render_unit(view), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                       filename=attachment_name)
    return Outgoing(unit=view.name, recipients=list(view.emails), message=msg)


def _group_rows(model) -> list[tuple[str, str, list[str]]]:
    rows = []
    for group, recipients in sorted(model.router.groups.items()):
        unit = model.registry.get(group)
        if model.router.of_sections(group):
            how = (f"按文件所属科室分送，其余由联系单位“{unit.contact}”接收" if unit is not None and unit.contact
                   else "按文件所属科室分送，无法确定的发送给全部成员单位")
        else:
            how = f"由联系单位“{unit.contact}”统一接收" if unit is not None and unit.contact else "分送各成员单位"
        rows.append((group, how, recipients))
    return rows


def office_notices(store, run_id: int | None = None, site_names: dict[str, str] | None = None) -> dict:
    """What the office must hear besides the findings: crawl-health alarms not yet reported, recoveries not
    yet reported, alarms still active (already reported: named only by count), and how old the data is."""

    new, recovered = store.alarms_to_notify()
    active = store.active_alarms()
    new_ids = {a["id"] for a in new}
    applied, unverifiable = {}, 0
    if run_id is not None:
        run = store.run(run_id) or {}
        alarms = (run.get("stats") or {}).get("alarms") or {}
        applied, unverifiable = alarms.get("applied") or {}, int(alarms.get("unverifiable") or 0)

    def item(a: dict) -> dict:
        return {"id": a["id"], "text": describe(a, site_names), "samples": samples_of(a), "severity": a.get("severity"),
                "monitor": a.get("monitor"), "since": local_time(a.get("opened")),
                "resolved": local_time(a.get("resolved")) if a.get("resolved") else None,
                "resolution": a.get("resolution"), "evidence": a.get("evidence") or {},
                "unverifiable": applied.get(str(a["id"]), 0)}

    fresh = data_freshness(store, before_run=run_id) if run_id is not None else data_freshness(store)
    return {"new": [item(a) for a in new], "recovered": [item(a) for a in recovered],
            "ongoing": [item(a) for a in active if a["id"] not in new_ids],
            "unverifiable_by_alarm": unverifiable,
            "data_note": fresh.get("note"), "freshness": fresh}


def _alarm_subject_part(notices: dict | None) -> str:
    if not notices:
        return ""
    parts = []
    if notices["new"]:
        parts.append(f"抓取告警{len(notices['new'])}条")
    if notices["recovered"]:
        parts.append(f"恢复{len(notices['recovered'])}条")
    if notices.get("data_note"):
        parts.append("数据未更新")
    return "（" + "，".join(parts) + "）" if parts else ""


def build_summary_message(model, config, states: dict[str, str], notices: dict | None = None) -> Outgoing:
    """The office's summary; *notices* (office_notices) adds crawl-health alarms, recoveries and the data age."""

    lead = model.lead
    key = summary_key(lead)
    lead_unit = model.registry.get(lead)
    recipients = list(lead_unit.email) if lead_unit else []
    coverage = model.coverage_text
    subject = (f"【政务公开】汇总{_alarm_subject_part(notices)}：共{model.action_count}项待公开，"
               f"覆盖率{coverage}（截至{model.as_of}）")
    msg = _base_message(config, model.run["id"], key, subject, recipients)
    views = [v for v in model.units.values() if v.findings or v.shared]
    rows = [{"view": v, "delivery": states.get(v.name, "")} for v in views]
    no_email = [v for v in views if not v.emails]
    all_name = f"全部单位（截至{model.as_of}）.xlsx"
    dashboard = (Path(config.reports_dir) / "index.html").resolve()
    ctx = dict(m=model, plan=model.plan, subject=subject, colours=STATUS_COLOURS, rows=rows, no_email=no_email,
               groups=_group_rows(model), unassigned=model.unassigned, unknown=sorted(model.router.unknown),
               all_name=all_name, notices=notices or {},
               shared_open=[f for f in model.findings if f.shared and not f.recipients and f.status in ("gap", "late")],
               dashboard_path=str(dashboard), dashboard_url=dashboard.as_uri())
    env = environment()
    msg.set_content(env.get_template("mail_summary.txt").render(**ctx))
    msg.add_alternative(env.get_template("mail_summary.html").render(**ctx), subtype="html")
    xlsx = reporter("xlsx", model)
    assert isinstance(xlsx, XlsxReporter)
    msg.add_attachment(xlsx.workbook_bytes(sorted(model.findings, key=lambda f: f.sort_key())),
                       maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=all_name)
    for v in no_email:
        msg.add_attachment(xlsx.render_unit(v), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                           filename=f"{unit_filename(v.name)}.xlsx")
    return Outgoing(unit=key, recipients=recipients, message=msg, kind="summary")


def alarm_key(lead: str, notices: dict) -> str:
    """The deliveries key of an alarm-only message: which alarms it opens and which recoveries it reports."""
    parts = []
    for what, label in (("new", "告警"), ("recovered", "恢复")):
        ids = sorted(a["id"] for a in notices[what])
        if ids:
            parts.append(f"{label}#{ids[0]}" + (f"-{ids[-1]}" if len(ids) > 1 else ""))
    return f"{lead}（抓取{'，'.join(parts)}）"


def build_alarm_message(model, config, notices: dict) -> Outgoing:
    """Alarms and recoveries alone, for the office, when this check run's summary went out already
    (a night whose check failed re-delivers yesterday's run: the alarms must still reach the office)."""

    lead = model.lead
    key = alarm_key(lead, notices)
    lead_unit = model.registry.get(lead)
    recipients = list(lead_unit.email) if lead_unit else []
    subject = "【政务公开】抓取健康：" + "，".join(
        p for p in (f"新告警{len(notices['new'])}条" if notices["new"] else "",
                    f"已恢复{len(notices['recovered'])}条" if notices["recovered"] else "") if p)
    msg = _base_message(config, model.run["id"], key, subject, recipients)
    env = environment()
    ctx = dict(m=model, notices=notices, subject=subject)
    msg.set_content(env.get_template("mail_summary_alarms.txt").render(**ctx))
    msg.add_alternative("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"></head><body style=\""
                        "font-family:'Microsoft YaHei',sans-serif;font-size:14px;\">"
                        + env.get_template("mail_summary_alarms.html").render(**ctx) + "</body></html>",
                        subtype="html")
    return Outgoing(unit=key, recipients=recipients, message=msg, kind="summary")


# --- SMTP -------------------------------------------------------------------------------------------

class SmtpSession:
    """One connection for the whole run, opened on first use. When connecting or logging in fails, the
    remaining messages of this run fail with the same error at once (no hammering a refusing server)."""

    def __init__(self, mail_config):
        self.cfg = mail_config
        self.conn: smtplib.SMTP | None = None
        self.fatal: str | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        if cfg.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                                  context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            conn.ehlo()
            if cfg.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if cfg.username:
                password = cfg.password
                if not password:
                    raise MailError(f"未设置 SMTP 密码：请设置环境变量 {cfg.password_env}")
                conn.login(cfg.username, password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, out: Outgoing) -> dict:
        """Send; returns the refused recipients (some accepted). Raises MailError with a Chinese reason."""
        if self.fatal:
            raise MailError(self.fatal)
        if self.conn is None:
            try:
                self.conn = self._connect()
            except Exception as e:  # noqa: BLE001 — every failure is recorded, none is fatal to the run
                self.fatal = describe_error(e, self.cfg)
                raise MailError(self.fatal) from e
        try:
            return self.conn.send_message(out.message, from_addr=self.cfg.sender, to_addrs=out.recipients)
        except (smtplib.SMTPServerDisconnected, OSError) as e:
            self.close()
            raise MailError(describe_error(e, self.cfg)) from e
        except smtplib.SMTPException as e:
            raise MailError(describe_error(e, self.cfg)) from e

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:  # noqa: BLE001
                try:
                    self.conn.close()
                except Exception:  # noqa: BLE001
                    pass
            self.conn = None


def _smtp_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def describe_error(e: BaseException, cfg) -> str:
    where = f"{cfg.host}:{cfg.port}"
    if isinstance(e, MailError):
        return str(e)
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return f"邮件服务器拒绝登录（{e.smtp_code} {_smtp_text(e.smtp_error)}）"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        parts = [f"{addr}（{code} {_smtp_text(msg)}）" for addr, (code, msg) in e.recipients.items()]
        return "收件人被拒绝：" + "；".join(parts)
    if isinstance(e, smtplib.SMTPSenderRefused):
        return f"发件人 {e.sender} 被拒绝（{e.smtp_code} {_smtp_text(e.smtp_error)}）"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"邮件服务器拒收（{e.smtp_code} {_smtp_text(e.smtp_error)}）"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return f"与邮件服务器 {where} 的连接中断：{e}"
    if isinstance(e, ssl.SSLError):
        return f"与邮件服务器 {where} 的 TLS 握手失败：{e}"
    if isinstance(e, ConnectionRefusedError):
        return f"无法连接邮件服务器 {where}：连接被拒绝"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return f"连接邮件服务器 {where} 超时"
    if isinstance(e, OSError):
        return f"无法连接邮件服务器 {where}：{e}"
    return f"发送失败：{type(e).__name__}: {e}"


# --- the delivery run ---------------------------------------------------------------------------------

def _write_eml(outbox_run: Path, key: str, msg: EmailMessage) -> Path:

    outbox_run.mkdir(parents=True, exist_ok=True)
    path = outbox_run / f"{unit_filename(key)}.eml"
    path.write_bytes(msg.as_bytes())
    return path


def send_reports(store, config, plan: Any = None, *, run_id: int | None = None, dry_run: bool = False,
                 model=None, session: SmtpSession | None = None, log=None) -> MailResult:
    """Deliver the reports of one check run (default: the latest). See the module docstring.

    Raises LookupError when there is no check run.
    """

    if model is None:
        if plan is None:
            run = store.run(run_id) if run_id is not None else store.latest_run("check")
            plan = load_plan(config, run=run)
        model = build_model(store, plan, config, run_id, history=False)
    rid = model.run["id"]
    outbox_run = Path(config.outbox_dir) / str(rid)
    result = MailResult(run_id=rid, outbox=outbox_run)
    session = session or SmtpSession(config.mail)
    states: dict[str, str] = {}
    say = log or (lambda s: None)
    notices = office_notices(store, rid, {k: s.name for k, s in config.sites.items()})
    note = notices.get("data_note")

    def deliver(out: Outgoing) -> None:
        previous = store.delivery(rid, out.unit)
        if previous and previous["status"] == "sent":
            result.skipped.append((out.unit, "本批次已发送"))
            states[out.unit] = "已发送（此前）"
            return
        if not out.recipients:
            result.skipped.append((out.unit, "没有邮箱"))
            states[out.unit] = "无邮箱，报告附在汇总邮件中"
            return
        path = _write_eml(outbox_run, out.unit, out.message)
        result.eml[out.unit] = path
        common = dict(recipients=out.recipients, subject=out.subject, eml_path=str(path))
        if dry_run:
            store.record_delivery(rid, out.unit, status="dry_run", error=None, attempted=False, **common)
            result.dry_run.append(out.unit)
            states[out.unit] = "试运行（未发送）"
            say(f"试运行：{out.unit} → {path}")
            return
        try:
            refused = session.send(out)
        except MailError as e:
            store.record_delivery(rid, out.unit, status="failed", error=str(e), **common)
            result.failed.append((out.unit, str(e)))
            states[out.unit] = f"发送失败：{e}"
            say(f"失败：{out.unit}：{e}")
            return
        note = None
        if refused:
            note = "部分收件人被拒绝：" + "；".join(f"{a}（{c} {_smtp_text(m)}）" for a, (c, m) in refused.items())
        store.record_delivery(rid, out.unit, status="sent", error=note, **common)
        result.sent.append(out.unit)
        states[out.unit] = "已发送" + (f"（{note}）" if note else "")
        say(f"已发送：{out.unit} → {', '.join(out.recipients)}")

    try:
        for view in model.units.values():
            if not view.findings and not view.shared:
                continue
            if not view.emails:  # no row in deliveries: nothing can be sent; listed in the summary
                result.skipped.append((view.name, "没有邮箱"))
                states[view.name] = "无邮箱，报告附在汇总邮件中"
                continue
            previous = store.delivery(rid, view.name)
            if previous and previous["status"] == "sent":
                result.skipped.append((view.name, "本批次已发送"))
                states[view.name] = "已发送"
                continue
            deliver(build_unit_message(model, view, config, note=note))
        summary = build_summary_message(model, config, states, notices)
        already = store.delivery(rid, summary.unit)
        deliver(summary)
        pending = notices["new"] or notices["recovered"]
        if pending and not dry_run:
            if already and already["status"] == "sent":
                # the summary of this run went out before these alarms existed: tell the office separately
                alarm = build_alarm_message(model, config, notices)
                deliver(alarm)
                carried = alarm.unit in result.sent
            else:
                carried = summary.unit in result.sent
            if carried:
                store.mark_alarms_notified([a["id"] for a in notices["new"]],
                                           [a["id"] for a in notices["recovered"]], rid)
    finally:
        session.close()
    return result


def deliver_latest(store, config, plan: Any = None, *, dry_run: bool = False) -> MailResult:
    """What ``zwgk mail`` does, for the demo and scripts: send the latest check run's reports."""
    return send_reports(store, config, plan, dry_run=dry_run)


__all__ = ["send_reports", "deliver_latest", "build_unit_message", "build_summary_message", "subject_for",
           "office_notices", "build_alarm_message",
           "MailResult", "Outgoing", "SmtpSession", "MailError", "describe_error"]
