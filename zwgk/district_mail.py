"""The district office's overview mail, after every bureau's own mails (`zwgk --config district.yaml mail`).

Sent once per set of check runs, like a unit's mail once per run: the record is
``<data>/outbox/district/sent.json`` (key: every bureau's check run, ``b01#12 b02#9 …``), the message
is kept as ``<data>/outbox/district/<key hash>.eml``. A failed send is retried by the next `zwgk mail`.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from crawler.bureaus import District
from crawler.store import now_iso
from reports.mailer import MailError, Outgoing, SmtpSession
from reports.overview import build_overview_message


@dataclass
class OverviewResult:
    status: str            # sent | failed | skipped | dry_run
    message: str           # one line for the command's output
    eml: Path | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def _record(path: Path, key: str, entry: dict) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[key] = entry
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def send_overview(district: District, rows: list[dict], *, dry_run: bool = False) -> OverviewResult:
    checked = [r for r in rows if r.get("check_run")]
    if not checked:
        return OverviewResult("skipped", "跳过：没有一个单位有检查结果")
    key = " ".join(f"{r['key']}#{r['check_run']}" for r in checked)
    folder = Path(district.data_dir) / "outbox" / "district"
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "sent.json"
    done = json.loads(record.read_text(encoding="utf-8")).get(key) if record.exists() else None
    if done and done.get("status") == "sent":
        return OverviewResult("skipped", f"跳过：这批检查结果的总览已发送（{done.get('at', '')[:16]}）")
    if not district.office_email:
        return OverviewResult("skipped", "跳过：区县配置没有 office.email（办公室邮箱）")
    mail = next(iter(district.bureaus.values())).mail    # the district's mail section replaces every bureau's
    page = Path(district.reports_dir) / "index.html"
    msg = build_overview_message(district.office_name, district.office_email, mail.sender, rows,
                                 page if page.exists() else None)
    eml = folder / f"{hashlib.sha1(key.encode()).hexdigest()[:12]}.eml"
    eml.write_bytes(msg.as_bytes())
    if dry_run:
        return OverviewResult("dry_run", f"试运行（未发送）：{eml.resolve()}", eml)
    session = SmtpSession(mail)
    try:
        session.send(Outgoing(unit=district.office_name, recipients=district.office_email, message=msg,
                              kind="summary"))
    except MailError as e:
        _record(record, key, {"status": "failed", "at": now_iso(), "error": str(e), "eml": str(eml)})
        return OverviewResult("failed", f"发送失败：{e}", eml)
    finally:
        session.close()
    _record(record, key, {"status": "sent", "at": now_iso(), "to": district.office_email, "eml": str(eml)})
    return OverviewResult("sent", f"已发送 → {', '.join(district.office_email)}", eml)
