"""The semantic layer: what the schema cannot express (unique names, known and active sources,
registered processors and renderers, placeholders naming declared parameters)."""
from __future__ import annotations

import re
from typing import Any

from ..spec import DATE_RANGE_PARTS, OUTPUTS
from .metrics import MetricChecks
from .parameters import ParameterChecks
from .problems import SourceInfo, SpecProblem, json_objects, pointer_for

# Same grammar as reporting.pipeline.aggregation.placeholders (which resolves them at run time).
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*(?:\.\w+)*)\}")


class SemanticChecks:
    def __init__(self, spec: dict[str, Any], catalogue: dict[str, SourceInfo] | None):
        self.spec = spec
        self.catalogue = catalogue
        self.problems: list[SpecProblem] = []
        self.parameters = {p["name"]: p for _, p in json_objects(spec.get("parameters")) if isinstance(p.get("name"), str)}

    def add(self, path: list[Any], code: str, message: str) -> None:
        self.problems.append(SpecProblem(pointer_for(path), code, message))

    def run(self) -> list[SpecProblem]:
        self.unique_parameter_names()
        self.unique_section_names()
        for i, param in json_objects(self.spec.get("parameters")):
            ParameterChecks(self, i, param).run()
        self.source_references()
        self.processors()
        self.outputs()
        MetricChecks(self, self.spec).run()
        return self.problems

    def unique_parameter_names(self) -> None:
        seen: set[str] = set()
        for i, param in json_objects(self.spec.get("parameters")):
            name = param.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(["parameters", i, "name"], "duplicate_name", f"Parameter name '{name}' is used twice.")
            seen.add(name)

    def unique_section_names(self) -> None:
        seen: set[str] = set()
        for i, section in json_objects(self.spec.get("sections")):
            for key in ("name", "id"):
                value = section.get(key)
                if not isinstance(value, str):
                    continue
                if value in seen:
                    self.add(["sections", i, key], "duplicate_section_name",
                             f"Section name '{value}' is used by another section.")
                seen.add(value)

    def source_references(self) -> None:
        seen: set[str] = set()
        for i, ref in json_objects(self.spec.get("sources")):
            name = ref.get("source")
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(["sources", i, "source"], "duplicate_source", f"Data source '{name}' is listed twice.")
            seen.add(name)
            self.check_source_exists(["sources", i, "source"], name)
            self.placeholders(ref.get("params"), ["sources", i, "params"], where="this source entry's params")
            info = (self.catalogue or {}).get(name)
            if info is not None:
                for attr in ("query_params", "body"):
                    for placeholder, problem in self.placeholder_problems(getattr(info, attr)):
                        self.add(["sources", i, "source"], problem,
                                 f"Data source '{name}' uses {{{placeholder}}} in its {attr.replace('_', ' ')}, "
                                 f"but {self.placeholder_reason(placeholder)}.")

    def check_source_exists(self, path: list[Any], name: str) -> None:
        if self.catalogue is None:
            return
        info = self.catalogue.get(name)
        if info is None:
            self.add(path, "unknown_source", f"No active data source is called '{name}'.")
        elif not info.is_active:
            self.add(path, "inactive_source", f"Data source '{name}' is inactive.")
        for problem in info.problems if info is not None else ():
            self.add(path, "source_misconfigured", f"Data source '{name}' cannot be used: {problem}.")

    def placeholders(self, value: Any, path: list[Any], *, where: str) -> None:
        for sub_path, text in _strings(value, path):
            for placeholder, code in self.placeholder_problems(text):
                self.add(sub_path, code, f"{{{placeholder}}} in {where} does not work: "
                                         f"{self.placeholder_reason(placeholder)}.")

    def placeholder_problems(self, value: Any) -> list[tuple[str, str]]:
        found = []
        for _, text in _strings(value, []):
            for match in PLACEHOLDER.finditer(text):
                placeholder = match.group(1)
                name, *parts = placeholder.split(".")
                param = self.parameters.get(name)
                if param is None:
                    found.append((placeholder, "unknown_placeholder"))
                elif parts and not (param.get("type") == "date_range" and len(parts) == 1
                                    and parts[0] in DATE_RANGE_PARTS):
                    found.append((placeholder, "bad_placeholder_part"))
        return found

    def placeholder_reason(self, placeholder: str) -> str:
        name, *parts = placeholder.split(".")
        param = self.parameters.get(name)
        if param is None:
            return f"the template declares no parameter '{name}'"
        if param.get("type") == "date_range":
            return f"a date range parameter only has .start, .end and .preset, not .{'.'.join(parts)}"
        return f"parameter '{name}' is a single value and has no .{'.'.join(parts)}"

    def processors(self) -> None:
        names = self.spec.get("processors")
        if not isinstance(names, list):
            return
        from reporting.pipeline.engine import registered_processors

        registered = registered_processors()
        for i, name in enumerate(names):
            if isinstance(name, str) and name not in registered:
                self.add(["processors", i], "unknown_processor",
                         f"No processor is registered as '{name}' (known: {', '.join(registered)}).")

    def outputs(self) -> None:
        outputs = self.spec.get("outputs")
        if not isinstance(outputs, list):
            return
        from reporting.pipeline.engine import available_formats

        available = available_formats()
        for i, fmt in enumerate(outputs):
            if isinstance(fmt, str) and fmt in OUTPUTS and fmt not in available:
                self.add(["outputs", i], "unsupported_output", f"No renderer is installed for '{fmt}'.")


def _strings(value: Any, path: list[Any]) -> list[tuple[list[Any], str]]:
    """Every string inside a JSON value, with its path (iterative: no recursion limit to hit)."""
    found, stack = [], [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, str):
            found.append((here, item))
        elif isinstance(item, dict):
            stack.extend((here + [k], v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((here + [i], v) for i, v in enumerate(item))
    found.reverse()
    return found

