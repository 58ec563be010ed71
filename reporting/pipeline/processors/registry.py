"""Named processors a template lists under "processors"; run in order, merged into one dict."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import ProcessorOutput
from .departments import process_departments
from .documents import process_documents
from .quality import process_quality
from .summary import process_summary
from .training import process_training

Processor = Callable[[dict[str, Any], dict[str, Any]], ProcessorOutput]

_PROCESSORS: dict[str, Processor] = {
    "qms.quality": process_quality,
    "qms.training": process_training,
    "qms.documents": process_documents,
    "qms.departments": process_departments,
    "qms.summary": process_summary,
}


class UnknownProcessorError(ValueError):
    pass


@dataclass
class ProcessingResult:
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def registered_processors() -> list[str]:
    return sorted(_PROCESSORS)


def run_processors(*, names: list[str], sources: dict[str, Any], parameters: dict) -> ProcessingResult:
    """Run the named processors over the collected sources.

    A processor whose source is absent (an optional source failed) contributes nothing and a
    warning; processors never depend on each other's output, so order only decides which one
    wins if two write the same key (the later one).
    """
    unknown = [n for n in names if n not in _PROCESSORS]
    if unknown:
        raise UnknownProcessorError(f"unknown processor(s) {unknown}; known: {registered_processors()}")
    result = ProcessingResult()
    for name in names:
        output = _PROCESSORS[name](sources, parameters)
        result.data.update(output.data)
        result.warnings.extend(output.warnings)
    return result
