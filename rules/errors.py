"""Errors of plan and catalogue files: one line ``FILE:LINE: FIELD: what is wrong`` (exit code 2)."""
from __future__ import annotations

import os


class PlanError(Exception):
    """A plan, catalogue or rule file that cannot be used. ``str()`` is one line for the operator."""

    def __init__(self, file: str | os.PathLike, line: int | None, fieldname: str, problem: str):
        self.file, self.line, self.field, self.problem = str(file), line, fieldname, problem
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {fieldname}: {problem}")
