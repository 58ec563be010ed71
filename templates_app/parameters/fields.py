"""The parameter form generated from a spec's parameters, and the concrete values a job runs with."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from ..presets import PRESETS, resolve_preset
from ..spec import CHOICE_TYPES, ParameterSpec, parameter_specs
from .choices import ChoicesUnavailable, load_source_choices, placeholder_defaults
from .display import quoted_value
from ..recipients import distinct_addresses, recipient_errors, split_addresses


# Dates are ISO only, on the web form and the command line alike: the locale's order (en-gb reads
# 01/02/2026 as 1 February, en-us as 2 January) must never decide which day a report covers.
ISO_DATE_FORMAT = "%Y-%m-%d"
ISO_DATE_MESSAGE = "Enter the date as YYYY-MM-DD (for example 2026-01-31)."


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE_FORMAT)


def _date_field(**kwargs) -> forms.DateField:
    return forms.DateField(widget=_date_input(), input_formats=[ISO_DATE_FORMAT],
                           error_messages={"invalid": ISO_DATE_MESSAGE}, **kwargs)


def _help(*parts: str) -> SafeString:
    """Help text joined from plain-text parts (template-authored text, a source's error message).

    Django and crispy-forms render help_text as HTML (crispy's template applies |safe), so each
    part is escaped here, exactly once: parts that are already safe are kept as they are.
    """
    return format_html_join(" ", "{}", ((part,) for part in parts if part))


def _short_quotes(error: ValidationError) -> ValidationError:
    """The same errors with every quoted value shortened (quoted_value): a 10,000-character value
    is not echoed back in full."""
    return ValidationError([
        ValidationError(e.message, code=e.code,
                        params={k: quoted_value(v) if isinstance(v, str) else v for k, v in e.params.items()}
                        if e.params else e.params)
        for e in error.error_list])


class ShortQuotesMixin:
    """A field whose validate() errors quote the typed value shortened."""

    def validate(self, value):
        try:
            super().validate(value)
        except ValidationError as exc:
            raise _short_quotes(exc) from None


class ChoiceField(ShortQuotesMixin, forms.ChoiceField):
    pass


class MultipleChoiceField(ShortQuotesMixin, forms.MultipleChoiceField):
    pass


class EmailListField(forms.CharField):
    def to_python(self, value):
        return split_addresses(super().to_python(value) or "")

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        errors = recipient_errors(value)
        if errors:
            raise _short_quotes(ValidationError(errors))

    def run_validators(self, value):
        return None


class CommaListField(forms.CharField):
    """Fallback for a multichoice whose choices could not be loaded: comma-separated values."""

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return [str(v).strip() for v in value if str(v).strip()]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        return None

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, (list, tuple)) else value


def _field_for(param: ParameterSpec, *, loaded_choices: list[tuple[str, str]] | None = None,
               choices_note: str = "") -> dict[str, forms.Field]:
    """Form fields for one parameter, keyed by form-field name.

    ``loaded_choices``: choices read from a source (choices_from); ``choices_note`` explains a
    fallback when they could not be loaded.
    """
    name, ptype = param.name, param.type
    common = {"label": param.label, "required": param.required, "help_text": _help(param.help)}
    if ptype in ("string", "text"):
        validators = []
        if param.regex:
            message = f"Must match the pattern {param.regex}." if param.regex_message is None else param.regex_message
            validators.append(RegexValidator(param.regex, message=message, code="pattern"))
        widget = forms.Textarea(attrs={"rows": 3}) if ptype == "text" else None
        max_length = param.max_length if param.max_length is not None else settings.REPORTING_PARAMETER_MAX_LENGTH
        return {name: forms.CharField(max_length=max_length, min_length=param.min_length,
                                      validators=validators, widget=widget, **common)}
    if ptype == "integer":
        return {name: forms.IntegerField(min_value=param.min, max_value=param.max, **common)}
    if ptype == "decimal":
        lo, hi = param.min, param.max
        return {name: forms.DecimalField(min_value=None if lo is None else Decimal(str(lo)),
                                         max_value=None if hi is None else Decimal(str(hi)), **common)}
    if ptype == "boolean":
        common["required"] = False
        return {name: forms.BooleanField(**common)}
    if ptype == "date":
        validators = []
        if param.min:
            validators.append(MinValueValidator(date.fromisoformat(param.min)))
        if param.max:
            validators.append(MaxValueValidator(date.fromisoformat(param.max)))
        return {name: _date_field(validators=validators, **common)}
    if ptype in CHOICE_TYPES:
        choices = loaded_choices if loaded_choices is not None else list(param.choices)
        if choices_note:
            common["help_text"] = _help(common["help_text"], choices_note)
        if not choices and param.choices_from is not None:
            # Nothing to offer: let the person type the value rather than block the report.
            if ptype == "choice":
                return {name: forms.CharField(max_length=settings.REPORTING_PARAMETER_MAX_LENGTH, **common)}
            return {name: CommaListField(**{**common, "help_text": _help(common["help_text"], "Comma-separated.")})}
        if ptype == "choice":
            return {name: ChoiceField(choices=choices, **common)}
        return {name: MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)}
    if ptype == "email_list":
        return {name: EmailListField(widget=forms.Textarea(attrs={"rows": 2}),
                                     **{**common, "help_text": common["help_text"] or "Comma-separated addresses."})}
    if ptype == "date_range":
        return {
            f"{name}_preset": ChoiceField(
                choices=[(p, PRESETS[p]) for p in param.offered_presets if p in PRESETS],
                label=common["label"], required=common["required"], help_text=common["help_text"]),
            f"{name}_start": _date_field(required=False, label="From"),
            f"{name}_end": _date_field(required=False, label="To"),
        }
    raise ValueError(f"unknown parameter type '{ptype}'")


def initial_values(param: ParameterSpec) -> dict[str, Any]:
    """Form data for the parameter's default, keyed by form-field name ({} without a default)."""
    name, default = param.name, param.default
    if default is None:
        return {}
    if param.type == "date_range":
        if isinstance(default, dict):
            return {f"{name}_preset": "custom", f"{name}_start": default.get("start"),
                    f"{name}_end": default.get("end")}
        return {f"{name}_preset": default}
    return {name: default}


class ParameterForm(forms.Form):
    """Built from a spec's parameters (parsed, or the spec's list of parameter objects);
    `parameters()` gives the concrete JSON values."""

    def __init__(self, *args, spec_parameters: Iterable[ParameterSpec | Mapping[str, Any]],
                 today: date | None = None, load_choices: bool = True, **kwargs):
        self.spec_parameters = parameter_specs(spec_parameters)
        self.today = today or timezone.localdate()
        # Why choices of a parameter (by name) could not be loaded from its source, for the page to show.
        self.choice_load_errors: dict[str, str] = {}
        initial = kwargs.pop("initial", None) or {}
        for param in self.spec_parameters:
            for key, value in initial_values(param).items():
                initial.setdefault(key, value)
        super().__init__(*args, initial=initial, **kwargs)
        for param in self.spec_parameters:
            self.fields.update(self._fields_for(param, load_choices=load_choices))

    def _fields_for(self, param: ParameterSpec, *, load_choices: bool) -> dict[str, forms.Field]:
        if param.choices_from is None or param.type not in CHOICE_TYPES:
            return _field_for(param)
        if not load_choices:
            return _field_for(param, loaded_choices=list(param.choices) or None)
        try:
            loaded = load_source_choices(param.choices_from,
                                         parameters=placeholder_defaults(self.spec_parameters, today=self.today))
            return _field_for(param, loaded_choices=loaded)
        except ChoicesUnavailable as exc:
            self.choice_load_errors[param.name] = str(exc)
            fallback = "the built-in list is shown" if param.choices else "type the value"
            return _field_for(param, loaded_choices=list(param.choices),
                              choices_note=f"(The list could not be loaded: {exc}; {fallback}.)")

    def clean(self):
        cleaned = super().clean()
        for param in self.spec_parameters:
            if param.type != "date_range":
                continue
            name = param.name
            preset = cleaned.get(f"{name}_preset")
            start, end = cleaned.get(f"{name}_start"), cleaned.get(f"{name}_end")
            if preset == "custom":
                # A date that could not be read already says so; "enter the day" would contradict it.
                if not start and f"{name}_start" not in self.errors:
                    self.add_error(f"{name}_start", ValidationError("Enter the first day of the range.",
                                                                     code="range_start_missing"))
                if not end and f"{name}_end" not in self.errors:
                    self.add_error(f"{name}_end", ValidationError("Enter the last day of the range.",
                                                                   code="range_end_missing"))
                if start and end and start > end:
                    self.add_error(f"{name}_end", ValidationError("The end date is before the start date.",
                                                                   code="range_reversed"))
        # The recipient limit is per report: addresses spread over several email_list fields count together.
        email_fields = [p.name for p in self.spec_parameters if p.type == "email_list"]
        if len(email_fields) > 1 and all(name in cleaned for name in email_fields):
            combined = distinct_addresses(address for name in email_fields for address in cleaned[name] or [])
            for error in recipient_errors(combined):
                self.add_error(None, error)
        return cleaned

    def parameter_errors(self) -> list[tuple[str, str]]:
        """(parameter name, message) for each error, named as a person typed the parameter: a
        date range's form fields (period_preset, period_start, period_end) are its one name
        ("period"), the start and end saying which they are; errors of the whole form have ''."""
        owner: dict[str, tuple[str, str]] = {}
        for param in self.spec_parameters:
            owner[param.name] = (param.name, "")
            if param.type == "date_range":
                owner.update({f"{param.name}_preset": (param.name, ""),
                              f"{param.name}_start": (param.name, "start: "),
                              f"{param.name}_end": (param.name, "end: ")})
        problems = []
        for field_name, errors in self.errors.items():
            name, prefix = owner.get(field_name, ("" if field_name == NON_FIELD_ERRORS else field_name, ""))
            problems.extend((name, prefix + message) for message in errors)
        return problems

    def parameters(self) -> dict[str, Any]:
        """Concrete, JSON-serialisable values (presets resolved in the site's timezone)."""
        values: dict[str, Any] = {}
        for param in self.spec_parameters:
            name = param.name
            if param.type == "date_range":
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
