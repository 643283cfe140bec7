"""A process's attachment sandbox (spiders/sandbox.py ``SharedSandbox``) reads the same bytes once: the same
file under another URL (a document reposted on each bureau's site with its attachment) gets the answer the
child gave, without the child; a file that hit a limit is read again, never remembered."""
from __future__ import annotations

from faultserver import zip_bomb_docx
from test_bounded import _docx


def test_the_same_bytes_are_read_by_the_child_once_and_a_file_over_the_limits_every_time():
    from spiders.sandbox import SharedSandbox

    sandbox = SharedSandbox.acquire()
    try:
        notice = _docx("关于转发《2020年政务公开工作要点》的通知附件")
        assert sandbox.read(notice, "docx").result(60) == ("关于转发《2020年政务公开工作要点》的通知附件", None, False)
        sandbox.extractor.close()                     # no child now: only the memo can answer
        assert sandbox.read(notice, "docx").result(60) == ("关于转发《2020年政务公开工作要点》的通知附件", None, False)
        assert sandbox.extractor.proc is None
        assert sandbox.read(b"<html>404</html>", "docx").result(60) == (
            None, "docx text extraction failed: BadZipFile: File is not a zip file", False)
        child = sandbox.extractor.proc
        assert child is not None                      # another file: the child read it

        sandbox.extractor.cpu = 1
        heavy = zip_bomb_docx(150 << 20, paragraphs=True)
        for _ in range(2):                            # over the limits both times: the child is asked again
            text, error, over = sandbox.read(heavy, "docx").result(120)
            assert text is None and "resource limit" in error and over is True
        assert sandbox.extractor.killed == 2
        assert (sandbox.read(b"<html>404</html>", "docx").result(60)
                == (None, "docx text extraction failed: BadZipFile: File is not a zip file", False))
        assert sandbox.extractor.proc is None         # remembered, though its child was killed since
    finally:
        sandbox.release()


def test_the_memo_keeps_the_latest_answers_within_its_bounds(monkeypatch):
    from spiders import sandbox as sb

    monkeypatch.setattr(sb, "MEMO_FILES", 2)
    shared = sb.SharedSandbox()
    try:
        files = [_docx(f"第{i}号附件") for i in range(3)]
        for data in files:
            shared.read(data, "docx").result(60)
        assert [v for v in shared.memo.values()] == [("第1号附件", None), ("第2号附件", None)]
        assert shared.memo_chars == 10
        monkeypatch.setattr(sb, "MEMO_CHARS", 7)
        shared.read(_docx("第三个更长的附件"), "docx").result(60)   # 8 characters: never remembered
        assert len(shared.memo) == 2
    finally:
        shared.users = 1
        shared.release()
