"""Template parameters: a form generated from the spec, and the concrete values a job runs with."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.utils import timezone

from .presets import PRESETS, resolve_preset

PARAMETER_TYPES = (
    "string", "text", "integer", "decimal", "boolean", "date", "date_range",
    "choice", "multichoice", "email_list",
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(param: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for choice in param.get("choices", []):
        if isinstance(choice, dict):
            out.append((str(choice["value"]), str(choice.get("label", choice["value"]))))
        else:
            out.append((str(choice), str(choice)))
    return out


class EmailListField(forms.CharField):
    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        for address in value:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError("'%(address)s' is not a valid email address.",
                                      code="invalid_email", params={"address": address}) from None

    def run_validators(self, value):
        return None


def _field_for(param: dict[str, Any]) -> dict[str, forms.Field]:
    """Form fields for one parameter, keyed by form-field name."""
    name = param["name"]
    ptype = param.get("type", "string")
    common = {
        "label": param.get("label", name.replace("_", " ").capitalize()),
        "required": bool(param.get("required", False)),
        "help_text": param.get("help", ""),
    }
    if ptype in ("string", "text"):
        validators = []
        if param.get("regex"):
            validators.append(RegexValidator(param["regex"], message=param.get("regex_message",
                                             f"Must match the pattern {param['regex']}."), code="pattern"))
        widget = forms.Textarea(attrs={"rows": 3}) if ptype == "text" else None
        return {name: forms.CharField(max_length=param.get("max_length"), min_length=param.get("min_length"),
                                      validators=validators, widget=widget, **common)}
    if ptype == "integer":
        return {name: forms.IntegerField(min_value=param.get("min"), max_value=param.get("max"), **common)}
    if ptype == "decimal":
        lo, hi = param.get("min"), param.get("max")
        return {name: forms.DecimalField(min_value=None if lo is None else Decimal(str(lo)),
                                         max_value=None if hi is None else Decimal(str(hi)), **common)}
    if ptype == "boolean":
        common["required"] = False
        return {name: forms.BooleanField(**common)}
    if ptype == "date":
        return {name: forms.DateField(widget=_date_input(), **common)}
    if ptype == "choice":
        return {name: forms.ChoiceField(choices=_choices(param), **common)}
    if ptype == "multichoice":
        return {name: forms.MultipleChoiceField(choices=_choices(param), widget=forms.CheckboxSelectMultiple,
                                                **common)}
    if ptype == "email_list":
        return {name: EmailListField(widget=forms.Textarea(attrs={"rows": 2}),
                                     **{**common, "help_text": common["help_text"] or "Comma-separated addresses."})}
    if ptype == "date_range":
        presets = param.get("presets") or list(PRESETS)
        return {
            f"{name}_preset": forms.ChoiceField(
                choices=[(p, PRESETS[p]) for p in presets if p in PRESETS],
                label=common["label"], required=common["required"], help_text=common["help_text"]),
            f"{name}_start": forms.DateField(widget=_date_input(), required=False, label="From"),
            f"{name}_end": forms.DateField(widget=_date_input(), required=False, label="To"),
        }
    raise ValueError(f"unknown parameter type '{ptype}'")


def _initial_for(param: dict[str, Any]) -> dict[str, Any]:
    name, default = param["name"], param.get("default")
    if default is None:
        return {}
    if param.get("type") == "date_range":
        if isinstance(default, dict):
            return {f"{name}_preset": "custom", f"{name}_start": default.get("start"),
                    f"{name}_end": default.get("end")}
        return {f"{name}_preset": default}
    return {name: default}


class ParameterForm(forms.Form):
    """Built from a spec's parameter list; `parameters()` gives the concrete JSON values."""

    def __init__(self, *args, spec_parameters: list[dict[str, Any]], today: date | None = None, **kwargs):
        self.spec_parameters = spec_parameters
        self.today = today or timezone.localdate()
        initial = kwargs.pop("initial", None) or {}
        for param in spec_parameters:
            for key, value in _initial_for(param).items():
                initial.setdefault(key, value)
        super().__init__(*args, initial=initial, **kwargs)
        for param in spec_parameters:
            self.fields.update(_field_for(param))

    def clean(self):
        cleaned = super().clean()
        for param in self.spec_parameters:
            if param.get("type") != "date_range":
                continue
            name = param["name"]
            preset = cleaned.get(f"{name}_preset")
            start, end = cleaned.get(f"{name}_start"), cleaned.get(f"{name}_end")
            if preset == "custom":
                if not start:
                    self.add_error(f"{name}_start", ValidationError("Enter the first day of the range.",
                                                                     code="range_start_missing"))
                if not end:
                    self.add_error(f"{name}_end", ValidationError("Enter the last day of the range.",
                                                                   code="range_end_missing"))
                if start and end and start > end:
                    self.add_error(f"{name}_end", ValidationError("The end date is before the start date.",
                                                                   code="range_reversed"))
        return cleaned

    def parameters(self) -> dict[str, Any]:
        """Concrete, JSON-serialisable values (presets resolved in the site's timezone)."""
        values: dict[str, Any] = {}
        for param in self.spec_parameters:
            name, ptype = param["name"], param.get("type", "string")
            if ptype == "date_range":
                preset = self.cleaned_data.get(f"{name}_preset")
                if not preset:
                    values[name] = None
                    continue
                if preset == "custom":
                    start, end = self.cleaned_data[f"{name}_start"], self.cleaned_data[f"{name}_end"]
                else:
                    start, end = resolve_preset(preset, today=self.today)
                values[name] = {"start": start.isoformat(), "end": end.isoformat(), "preset": preset}
                continue
            value = self.cleaned_data.get(name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            values[name] = value
        return values


def cli_form_data(spec_parameters: list[dict[str, Any]], raw: dict[str, str]) -> dict[str, Any]:
    """Map `--param name=value` strings to form data, so the CLI validates exactly like the web form.

    date_range accepts a preset ("last_month") or "YYYY-MM-DD..YYYY-MM-DD".
    multichoice and email_list accept comma-separated values.
    """
    known = {p["name"]: p for p in spec_parameters}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(unknown)} (known: {', '.join(known) or 'none'})")
    data: dict[str, Any] = {}
    for param in spec_parameters:
        name, ptype = param["name"], param.get("type", "string")
        if name not in raw:
            for key, value in _initial_for(param).items():
                data[key] = value
            if ptype == "boolean" and name not in data:
                data[name] = False
            continue
        value = raw[name]
        if ptype == "date_range":
            if ".." in value:
                start, _, end = value.partition("..")
                data.update({f"{name}_preset": "custom", f"{name}_start": start, f"{name}_end": end})
            else:
                data[f"{name}_preset"] = value
        elif ptype == "multichoice":
            data[name] = [v.strip() for v in value.split(",") if v.strip()]
        elif ptype == "boolean":
            data[name] = value.lower() in ("1", "true", "yes", "on")
        else:
            data[name] = value
    return data


def parameter_lines(spec_parameters: list[dict[str, Any]], values: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value as a person reads it) for the report's title block."""
    lines = []
    for param in spec_parameters:
        name = param["name"]
        label = param.get("label", name.replace("_", " ").capitalize())
        lines.append((label, display_value(param, values.get(name))))
    return lines


def _human_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def display_value(param: dict[str, Any], value: Any) -> str:
    ptype = param.get("type", "string")
    if value in (None, "", []):
        return "—"
    if ptype == "date_range" and isinstance(value, dict):
        text = f"{_human_date(value['start'])} – {_human_date(value['end'])}"
        preset = value.get("preset")
        if preset and preset != "custom":
            text += f" ({PRESETS.get(preset, preset)})"
        return text
    if ptype == "date":
        return _human_date(value)
    if ptype == "boolean":
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if ptype in ("choice", "multichoice"):
        labels = dict(_choices(param))
        return labels.get(str(value), str(value))
    return str(value)
