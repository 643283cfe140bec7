"""`zwgk` loads a command module only when one of its commands runs (zwgk/cli.py COMMAND_MODULES): a crawl
worker or an ingest does not import the rules, reports and mail modules; `--help` still lists every command."""
from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from click.testing import CliRunner
from zwgk.cli import cli
loaded = lambda: sorted(m for m in ("zwgk.cmd_rules", "zwgk.cmd_reports", "zwgk.cmd_redis", "rules.engine") if m in sys.modules)
print("start", loaded())
r = CliRunner().invoke(cli, ["ingest", "--help"])
print("ingest", r.exit_code, loaded())
r = CliRunner().invoke(cli, ["--help"])
print("help", r.exit_code, " ".join(l.split()[0] for l in r.output.split("Commands:")[1].splitlines() if l.strip()))
"""


def test_a_command_loads_only_its_own_module_and_help_lists_them_all():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True).stdout
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["start"] == "[]"
    assert lines["ingest"] == "0 ['zwgk.cmd_redis']"
    assert lines["help"].split() == ["0", "attest", "browse", "check", "crawl", "db", "demo", "extract", "health",
                                     "ingest", "mail", "nightly", "plan", "replica", "report", "search", "sites",
                                     "status"]
