"""A validated template spec as typed, immutable objects: parsed once, read by everything after validation.

The form, the CLI, the engine, the renderers, previews and delivery read a :class:`ReportSpec`
instead of digging in the JSON again. ``TemplateVersion.parsed`` parses a version's spec once.

``parse_spec`` trusts a spec that passed ``templates_app.validation.validate_spec``; for anything
else it raises :class:`SpecInvalid` at the first part it cannot read. It is not a validator: only
``validate_spec`` lists every problem. Pure: no models, no database, importable anywhere.

Over 300 lines on purpose: it is the spec's whole vocabulary (mostly declarations) and its one
reader; split, a reader would chase one spec through several files.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .presets import PRESETS
from .spec_metrics import MetricBook, parse_metric_book

PARAMETER_TYPES = (
    "string", "text", "integer", "decimal", "boolean", "date", "date_range",
    "choice", "multichoice", "email_list",
)
CHOICE_TYPES = ("choice", "multichoice")
SECTION_TYPES = ("heading", "text", "kpis", "chart", "table", "rules", "page_break")
DATA_SECTION_TYPES = ("kpis", "chart", "table")
OUTPUTS = ("pdf", "xlsx")
# What a placeholder may take from a date_range value: {period.start}, {period.end}, {period.preset}.
DATE_RANGE_PARTS = ("start", "end", "preset")


class SpecInvalid(ValueError):
    """The spec cannot be read as a validated spec; ``pointer`` says where (RFC 6901)."""

    def __init__(self, pointer: str, message: str):
        self.pointer = pointer
        super().__init__(f"{pointer or '/'}: {message}")


def default_label(name: str) -> str:
    """The label of a parameter (or field) that names none: 'due_date' -> 'Due date'."""
    return name.replace("_", " ").capitalize()


# ----------------------------------------------------------------------------- parameters

@dataclass(frozen=True)
class ChoicesFrom:
    """Choices read at run time from a data source's answer: the list at ``path``."""

    source: str
    path: str
    value: str | None = None  # field of each item holding the value (items may be plain values)
    label: str | None = None  # field holding the label (default: the value field)


@dataclass(frozen=True, kw_only=True)
class ParameterSpec:
    name: str
    type: str = "string"
    label: str | None = None  # None: default_label(name)
    required: bool = False
    default: Any = None  # None: no default; a date_range default is a preset name or {"start", "end"}
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label), values as text
    choices_from: ChoicesFrom | None = None
    min: Any = None  # as written: a number, or an ISO date for a date parameter
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    regex: str | None = None
    regex_message: str | None = None
    presets: tuple[str, ...] = ()  # date_range: the presets offered; () means all of them

    def __post_init__(self):
        if self.label is None:
            object.__setattr__(self, "label", default_label(self.name))

    @property
    def offered_presets(self) -> tuple[str, ...]:
        return self.presets or tuple(PRESETS)

    def choice_label(self, value: Any) -> str:
        """The label of a static choice, or the value itself as text."""
        return dict(self.choices).get(str(value), str(value))


@dataclass(frozen=True)
class SourceRef:
    """One entry of the spec's "sources": a data source by name, its placeholder params, required or not."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    required: bool = True


# ----------------------------------------------------------------------------- sections

@dataclass(frozen=True, kw_only=True)
class Section:
    type: ClassVar[str]
    name: str = ""
    id: str = ""


@dataclass(frozen=True, kw_only=True)
class HeadingSection(Section):
    type: ClassVar[str] = "heading"
    text: str
    level: int = 1


@dataclass(frozen=True, kw_only=True)
class TextSection(Section):
    type: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True, kw_only=True)
class KpisSection(Section):
    type: ClassVar[str] = "kpis"
    data: str
    title: str = ""


@dataclass(frozen=True, kw_only=True)
class ChartSection(Section):
    type: ClassVar[str] = "chart"
    kind: str  # bar, hbar, line, pie, doughnut
    data: str
    x: str
    y: tuple[str, ...]  # one field written as text in the spec becomes a 1-tuple
    title: str = ""
    stacked: bool = False
    x_title: str = ""
    y_title: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # series label by y field
    unit: str = ""  # the unit of every y series; "%" puts the value axis at 0..100
    y_min: float | None = None
    y_max: float | None = None
    reference_lines: tuple["ReferenceLine", ...] = ()  # targets and thresholds, drawn as lines

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    def series_label(self, field_name: str) -> str:
        return self.labels.get(field_name) or default_label(field_name)


@dataclass(frozen=True)
class ReferenceLine:
    label: str
    value: float


@dataclass(frozen=True, kw_only=True)
class RulesSection(Section):
    """Reader-facing lines the processors write (the rules in force, notes about the data)."""

    type: ClassVar[str] = "rules"
    data: str
    title: str = ""


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    label: str = ""
    format: str | None = None  # an Excel number format from the schema's list
    unit: str = ""  # "%": the values are percentages 0..100 (the workbook stores them as percent cells)

    @property
    def header(self) -> str:
        return self.label or default_label(self.field)


@dataclass(frozen=True, kw_only=True)
class TableSection(Section):
    type: ClassVar[str] = "table"
    data: str
    columns: tuple[ColumnSpec, ...]
    title: str = ""
    totals: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PageBreakSection(Section):
    type: ClassVar[str] = "page_break"


# ----------------------------------------------------------------------------- the spec

@dataclass(frozen=True)
class PageSpec:
    size: str = "A4"
    orientation: str = "portrait"


@dataclass(frozen=True, kw_only=True)
class ReportSpec:
    title: str
    description: str = ""
    page: PageSpec = PageSpec()
    logo: str | None = None
    parameters: tuple[ParameterSpec, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    processors: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    outputs: tuple[str, ...] = ()  # (): not declared, every available format
    metric_book: MetricBook = MetricBook()  # the template's metric definitions and headline scores

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def parameters_of_type(self, *types: str) -> tuple[ParameterSpec, ...]:
        return tuple(p for p in self.parameters if p.type in types)

    def sections_of_type(self, *types: str) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.type in types)


# ----------------------------------------------------------------------------- parsing

_MISSING = object()


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _get(raw: Mapping[str, Any], key: str, kind: type | tuple[type, ...], at: list[Any], default: Any = _MISSING):
    """raw[key] when it is of ``kind``; ``default`` when absent; SpecInvalid otherwise."""
    value = raw.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise SpecInvalid(_pointer(at + [key]), f'"{key}" is missing')
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise SpecInvalid(_pointer(at + [key]), f'"{key}" is {type(value).__name__}, '
                                                f"not {' or '.join(k.__name__ for k in kinds)}")
    return value


def _number(raw: Mapping[str, Any], key: str, at: list[Any]) -> float | None:
    value = _get(raw, key, (int, float), at, None)
    return None if value is None else float(value)


def _objects(value: Any, at: list[Any]) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise SpecInvalid(_pointer(at), "must be a list of objects")
    return value


def _texts(value: Any, at: list[Any]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SpecInvalid(_pointer(at), "must be a list of text")
    return tuple(value)


def _choice_pairs(raw: Any, at: list[Any]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        raise SpecInvalid(_pointer(at), "must be a list of choices")
    pairs = []
    for i, choice in enumerate(raw):
        if isinstance(choice, Mapping):
            value = _get(choice, "value", (str, int, float), at + [i])
            pairs.append((str(value), str(choice.get("label", value))))
        else:
            pairs.append((str(choice), str(choice)))
    return tuple(pairs)


def parse_parameter(raw: Mapping[str, Any], *, at: list[Any] | None = None) -> ParameterSpec:
    at = at if at is not None else []
    if not isinstance(raw, Mapping):
        raise SpecInvalid(_pointer(at), "a parameter must be an object")
    name = _get(raw, "name", str, at)
    ptype = _get(raw, "type", str, at, "string")
    if ptype not in PARAMETER_TYPES:
        raise SpecInvalid(_pointer(at + ["type"]), f"unknown parameter type '{ptype}'")
    source_ref = _get(raw, "choices_from", Mapping, at, None)
    if source_ref is not None:
        where = at + ["choices_from"]
        source_ref = ChoicesFrom(source=_get(source_ref, "source", str, where), path=_get(source_ref, "path", str, where),
                                 value=_get(source_ref, "value", str, where, None),
                                 label=_get(source_ref, "label", str, where, None))
    number_or_text = (int, float, str)
    return ParameterSpec(
        name=name, type=ptype, label=_get(raw, "label", str, at, None),
        required=_get(raw, "required", bool, at, False), default=copy.deepcopy(raw.get("default")),
        help=_get(raw, "help", str, at, ""), choices=_choice_pairs(raw.get("choices", []), at + ["choices"]),
        choices_from=source_ref,
        min=_get(raw, "min", number_or_text, at, None), max=_get(raw, "max", number_or_text, at, None),
        min_length=_get(raw, "min_length", int, at, None), max_length=_get(raw, "max_length", int, at, None),
        regex=_get(raw, "regex", str, at, None) or None, regex_message=_get(raw, "regex_message", str, at, None),
        presets=_texts(raw.get("presets", []), at + ["presets"]),
    )


def parameter_specs(parameters: Iterable[ParameterSpec | Mapping[str, Any]]) -> tuple[ParameterSpec, ...]:
    """Parsed parameters from either parsed ones or the spec's list of parameter objects."""
    return tuple(p if isinstance(p, ParameterSpec) else parse_parameter(p, at=["parameters", i])
                 for i, p in enumerate(parameters))


def _parse_section(raw: Mapping[str, Any], at: list[Any]) -> Section:
    kind = _get(raw, "type", str, at)
    if kind not in SECTION_TYPES:
        raise SpecInvalid(_pointer(at + ["type"]), f"unknown section type '{kind}'")
    common = {"name": _get(raw, "name", str, at, ""), "id": _get(raw, "id", str, at, "")}
    if kind == "heading":
        return HeadingSection(text=_get(raw, "text", str, at), level=_get(raw, "level", int, at, 1), **common)
    if kind == "text":
        return TextSection(text=_get(raw, "text", str, at), **common)
    if kind == "page_break":
        return PageBreakSection(**common)
    data, title = _get(raw, "data", str, at), _get(raw, "title", str, at, "")
    if kind == "kpis":
        return KpisSection(data=data, title=title, **common)
    if kind == "rules":
        return RulesSection(data=data, title=title, **common)
    if kind == "chart":
        y = _get(raw, "y", (str, list), at)
        return ChartSection(
            kind=_get(raw, "kind", str, at), data=data, x=_get(raw, "x", str, at),
            y=(y,) if isinstance(y, str) else _texts(y, at + ["y"]), title=title,
            stacked=_get(raw, "stacked", bool, at, False), x_title=_get(raw, "x_title", str, at, ""),
            y_title=_get(raw, "y_title", str, at, ""), labels=dict(_get(raw, "labels", Mapping, at, {})),
            unit=_get(raw, "unit", str, at, ""), y_min=_number(raw, "y_min", at), y_max=_number(raw, "y_max", at),
            reference_lines=tuple(
                ReferenceLine(label=_get(line, "label", str, at + ["reference_lines", j], ""),
                              value=float(_get(line, "value", (int, float), at + ["reference_lines", j])))
                for j, line in enumerate(_objects(raw.get("reference_lines", []), at + ["reference_lines"]))),
            **common)
    columns = tuple(ColumnSpec(field=_get(c, "field", str, at + ["columns", j]),
                               label=_get(c, "label", str, at + ["columns", j], ""),
                               format=_get(c, "format", str, at + ["columns", j], None),
                               unit=_get(c, "unit", str, at + ["columns", j], ""))
                    for j, c in enumerate(_objects(raw.get("columns"), at + ["columns"])))
    return TableSection(data=data, columns=columns, title=title,
                        totals=_texts(raw.get("totals", []), at + ["totals"]), **common)


def parse_spec(spec: Mapping[str, Any]) -> ReportSpec:
    """The validated spec as a ReportSpec (SpecInvalid when it cannot be read as one)."""
    if not isinstance(spec, Mapping):
        raise SpecInvalid("", "the spec must be an object")
    page = _get(spec, "page", Mapping, [], {})
    sources = tuple(SourceRef(name=_get(ref, "source", str, ["sources", i]),
                              params=copy.deepcopy(dict(_get(ref, "params", Mapping, ["sources", i], {}))),
                              required=_get(ref, "required", bool, ["sources", i], True))
                    for i, ref in enumerate(_objects(spec.get("sources", []), ["sources"])))
    return ReportSpec(
        title=_get(spec, "title", str, []), description=_get(spec, "description", str, [], ""),
        page=PageSpec(size=_get(page, "size", str, ["page"], "A4"),
                      orientation=_get(page, "orientation", str, ["page"], "portrait")),
        logo=_get(spec, "logo", str, [], None),
        parameters=parameter_specs(_objects(spec.get("parameters", []), ["parameters"])),
        sources=sources,
        processors=_texts(spec.get("processors", []), ["processors"]),
        sections=tuple(_parse_section(s, ["sections", i])
                       for i, s in enumerate(_objects(_get(spec, "sections", list, []), ["sections"]))),
        outputs=_texts(spec.get("outputs", []), ["outputs"]),
        metric_book=parse_metric_book(spec.get("metrics"), spec.get("scores")),
    )
