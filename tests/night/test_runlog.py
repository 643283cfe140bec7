"""The night's log file: written through logging handlers, every line stamped, stage output as blocks."""
from __future__ import annotations

import logging
import re

from zwgk.runlog import RunLog

STAMP = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}  "


def test_the_night_log_stamps_lines_keeps_blocks_and_echoes_what_it_should(tmp_path, capsys):
    path = tmp_path / "logs" / "nightly-20210102-020000-7.log"
    log = RunLog(path, echo=True)
    log("zwgk nightly #7: 100% of 2 lines\n  ✓ crawl")
    log("[health] quiet", echo=False)
    log.block("check stdout", "检查 3 项\nok\n\n")
    log.block("check stderr", "  \n")
    log("exit 0", echo=False)
    log.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [re.sub(STAMP, "", ln) for ln in lines] == [
        "zwgk nightly #7: 100% of 2 lines", "  ✓ crawl", "[health] quiet",
        "---- check stdout ----", "检查 3 项", "ok", "---- end check stdout ----", "exit 0"]
    assert [bool(re.match(STAMP, ln)) for ln in lines] == [True, True, True, False, False, False, False, True]
    assert capsys.readouterr().out == "zwgk nightly #7: 100% of 2 lines\n  ✓ crawl\n"
    # closed: the handlers are gone and the file is appended to by the next RunLog of the same path
    assert not logging.getLogger(log.logger.name).handlers
    again = RunLog(path, echo=False)
    again("second")
    again.close()
    assert path.read_text(encoding="utf-8").splitlines()[-1].endswith("  second") and capsys.readouterr().out == ""
