"""What a validation finds: SpecProblem (pointer, code, sentence), and what it is told about sources."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SpecProblem:
    pointer: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class SourceInfo:
    """What validation needs to know about a DataSource (so validation itself needs no database)."""

    name: str
    is_active: bool = True
    query_params: Any = field(default_factory=dict)
    body: Any = None
    # What the source itself may not do (unknown analytics connection, disallowed secret, ...).
    problems: tuple[str, ...] = ()


def pointer_for(parts: Iterable[Any]) -> str:
    """RFC 6901 JSON pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)



def json_objects(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, item) of the objects in a JSON list (nothing when it is not a list): specs are unchecked here."""
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []
