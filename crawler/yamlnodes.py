"""YAML with line numbers, so that every configuration or catalogue error names the line it comes from."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml


@dataclass
class Node:
    """A YAML value (dict of Node, list of Node, or a scalar) with its 1-based line."""
    value: Any
    line: int

    def plain(self) -> Any:
        """The value without line numbers."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _scalar(node: yaml.ScalarNode) -> Any:
    return yaml.safe_load(yaml.serialize(node))


MAX_NODES = 100_000   # values in one file after alias expansion: far above any config or catalogue


class TooManyNodes(yaml.YAMLError):
    """Alias expansion (a "billion laughs" file) would make more than MAX_NODES values."""

    def __init__(self, mark):
        self.problem_mark = mark
        self.problem = f"more than {MAX_NODES} values after expanding aliases (*name): refused"
        super().__init__(self.problem)


def expanded_size(node: yaml.Node, _memo: dict | None = None) -> int:
    """How many values *node* stands for once every alias is expanded (shared nodes counted once per
    use), computed over the composed graph — linear in the file, not in the expansion."""
    memo = {} if _memo is None else _memo
    key = id(node)
    if key not in memo:
        memo[key] = 0   # a recursive alias counts as one while it is being sized
        if isinstance(node, yaml.MappingNode):
            n = 1 + sum(expanded_size(k, memo) + expanded_size(v, memo) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n = 1 + sum(expanded_size(v, memo) for v in node.value)
        else:
            n = 1
        memo[key] = min(n, MAX_NODES * 10)
    return memo[key]


def wrap(node: yaml.Node, *, key_lines: bool = False) -> Node:
    """Wrap a composed YAML node. ``key_lines``: a mapping value's line is where its key is written
    (what an operator looks for), not where a block value starts."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Node] = {}
        for k, v in node.value:
            child = wrap(v, key_lines=key_lines)
            if key_lines:
                child.line = k.start_mark.line + 1
            out[str(_scalar(k))] = child
        return Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([wrap(v, key_lines=key_lines) for v in node.value], line)
    value = _scalar(node)
    if isinstance(value, dt.datetime):
        value = value.date()
    return Node(value, line)


def compose(text: str, *, key_lines: bool = False) -> Node | None:
    """Parse *text*; raises yaml.YAMLError with a problem_mark on bad syntax."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None and expanded_size(root) > MAX_NODES:   # a YAML bomb: refused before expanding
        raise TooManyNodes(root.start_mark)
    return wrap(root, key_lines=key_lines) if root is not None else None


def read_yaml(path: str | os.PathLike, error: Callable[[Path, int | None, str, str], Exception], *,
              key_lines: bool = False) -> Node:
    """Read and compose a YAML file; every problem is raised as ``error(path, line, field, problem)``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, None, "(file)", "not found") from None
    except UnicodeDecodeError as e:
        raise error(path, None, "(file)", f"not UTF-8 text ({e.reason})") from None
    try:
        root = compose(text, key_lines=key_lines)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise error(path, mark.line + 1 if mark else None, "(syntax)",
                    f"not valid YAML: {getattr(e, 'problem', e)}") from None
    if root is None:
        raise error(path, None, "(file)", "is empty")
    return root
