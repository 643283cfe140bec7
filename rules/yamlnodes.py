"""YAML with line numbers, so that every catalogue error names the line it comes from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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


def wrap(node: yaml.Node) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Node] = {}
        for k, v in node.value:
            out[str(_scalar(k))] = wrap(v)
        return Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([wrap(v) for v in node.value], line)
    value = _scalar(node)
    if isinstance(value, dt.datetime):
        value = value.date()
    return Node(value, line)


def compose(text: str) -> Node | None:
    """Parse *text*; raises yaml.YAMLError with a problem_mark on bad syntax."""
    root = yaml.compose(text)
    return wrap(root) if root is not None else None
