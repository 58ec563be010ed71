"""Named processors a template lists under "processors"; run in order, merged into one dict."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from templates_app.spec_metrics import MetricBook

from .base import ABSENT_KEY, ProcessorInputs, ProcessorOutput
from .departments import process_departments
from .documents import process_documents
from .quality import process_quality
from .summary import process_summary
from .rules_text import data_notes, headline_lines, rules_lines
from .training import process_training

Processor = Callable[[ProcessorInputs], ProcessorOutput]

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


def run_processors(*, names: list[str], sources: dict[str, Any], parameters: dict, metrics: MetricBook | None = None,
                   failures: Mapping[str, str] | None = None, declared: Iterable[str] | None = None) -> ProcessingResult:
    """Run the named processors over the collected sources.

    ``metrics``: the template's definitions (none: the seed rules); ``failures``: why sources
    could not be collected; ``declared``: the sources the template lists (None: those given).
    A processor whose source is absent contributes no figures, a warning for the job page and,
    under ``_absent``, the reason its data keys are empty, in the reader's words. Processors never
    depend on each other's output. ``rules`` (the rules applied, as sentences), ``headline_rules`` (the headline's, for page 1) and ``data_notes``
    (what the data covers and lacks) are written for a "rules" section to print.
    """
    unknown = [n for n in names if n not in _PROCESSORS]
    if unknown:
        raise UnknownProcessorError(f"unknown processor(s) {unknown}; known: {registered_processors()}")
    inputs = ProcessorInputs(sources=sources, parameters=parameters, metrics=metrics or MetricBook(),
                             failures=dict(failures or {}), declared=None if declared is None else frozenset(declared))
    result = ProcessingResult()
    absent: dict[str, str] = {}
    for name in names:
        output = _PROCESSORS[name](inputs)
        result.data.update(output.data)
        result.warnings.extend(output.warnings)
        absent.update(output.absent)
    if names:
        listed = sorted(inputs.declared) if inputs.declared is not None else sorted(sources)
        result.data["rules"] = rules_lines(inputs, list(names))
        result.data["headline_rules"] = headline_lines(inputs, list(names))
        result.data["data_notes"] = data_notes(inputs, listed) + result.data.get("summary_assumptions", [])
        # Page 1's "About this report": what the data covers, then how the headline is scored.
        result.data["report_notes"] = result.data["data_notes"] + result.data["headline_rules"]
        # A section may read a source's raw answer by the source's name: when it failed, say why there too.
        for source in inputs.failures:
            absent.setdefault(source, inputs.missing_text(source, source.replace("_", " ").capitalize()))
        result.data[ABSENT_KEY] = {key: reason for key, reason in absent.items() if not result.data.get(key)}
    return result
