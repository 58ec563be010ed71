"""Template parameters: a form generated from the spec, and the concrete values a job runs with."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, validate_email
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from .presets import PRESETS, resolve_preset

PARAMETER_TYPES = (
    "string", "text", "integer", "decimal", "boolean", "date", "date_range",
    "choice", "multichoice", "email_list",
)
# Bound on loading choices from a source while building the run form (the page must not hang).
CHOICES_DEADLINE_S = 10.0
# Recipients listed in a report's title block and on the job page.
MAX_ADDRESSES_SHOWN = 20


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


def _help(*parts: str) -> SafeString:
    """Help text joined from plain-text parts (template-authored text, a source's error message).

    Django and crispy-forms render help_text as HTML (crispy's template applies |safe), so each
    part is escaped here, exactly once: parts that are already safe are kept as they are.
    """
    return format_html_join(" ", "{}", ((part,) for part in parts if part))


def split_addresses(text: str) -> list[str]:
    """Addresses typed as one text (commas, semicolons or new lines between them), each once."""
    return distinct_addresses(part.strip() for part in text.replace(";", ",").replace("\n", ",").split(","))


def distinct_addresses(addresses: Iterable[str]) -> list[str]:
    """Each address once, compared case-insensitively (mail systems treat them alike), first spelling kept."""
    seen: dict[str, str] = {}
    for address in addresses:
        if address:
            seen.setdefault(address.lower(), address)
    return list(seen.values())


def stored_addresses(value: Any) -> list[str]:
    """The addresses in a job's stored email_list value, read as the form would read them.

    Jobs whose parameters were written by another path than the form may hold a typed string or a
    stray value: it must not be read character by character, nor skipped by a policy check.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return split_addresses(value)
    if isinstance(value, (list, tuple)):
        return distinct_addresses(str(v).strip() for v in value)
    return [str(value)]


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain.lower()


def recipient_errors(addresses: list[str]) -> list[ValidationError]:
    """Why these distinct addresses may not receive a report, or [] when they may.

    One policy for the form (web and CLI) and for delivery: at most REPORTING_EMAIL_MAX_RECIPIENTS
    addresses per job, each a valid address and, when REPORTING_EMAIL_ALLOWED_DOMAINS is set, at one
    of those domains (exactly: a subdomain must be listed itself).
    """
    limit = settings.REPORTING_EMAIL_MAX_RECIPIENTS
    if len(addresses) > limit:
        # The list has to be cut first; checking thousands of addresses one by one is wasted work.
        return [ValidationError("At most %(limit)d recipients per report (you entered %(count)d).",
                                code="too_many_recipients", params={"limit": limit, "count": len(addresses)})]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            return [ValidationError("'%(address)s' is not a valid email address.",
                                    code="invalid_email", params={"address": address})]
    allowed = [_ascii_domain(d) for d in settings.REPORTING_EMAIL_ALLOWED_DOMAINS]
    if not allowed:
        return []
    refused = [a for a in addresses if _ascii_domain(a.rpartition("@")[2]) not in allowed]
    if not refused:
        return []
    who = "'%(address)s' is" if len(refused) == 1 else "'%(address)s' and %(more)d more are"
    return [ValidationError(who + " not allowed: reports may only be emailed to addresses at %(domains)s.",
                            code="recipient_domain",
                            params={"address": refused[0], "more": len(refused) - 1,
                                    "domains": " or ".join(settings.REPORTING_EMAIL_ALLOWED_DOMAINS)})]


class EmailListField(forms.CharField):
    def to_python(self, value):
        return split_addresses(super().to_python(value) or "")

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        errors = recipient_errors(value)
        if errors:
            raise ValidationError(errors)

    def run_validators(self, value):
        return None


class ChoicesUnavailable(Exception):
    """Choices could not be loaded from a data source (the message says why, for the person)."""


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


def placeholder_defaults(spec_parameters: list[dict[str, Any]], *, today: date) -> dict[str, Any]:
    """Parameter values from the defaults alone (presets resolved), to fill a source's placeholders
    when its answer is needed before the user has chosen anything (choices_from)."""
    values: dict[str, Any] = {}
    for param in spec_parameters:
        default = param.get("default")
        if param.get("type") == "date_range":
            if isinstance(default, str) and default in PRESETS and default != "custom":
                start, end = resolve_preset(default, today=today)
                default = {"start": start.isoformat(), "end": end.isoformat(), "preset": default}
            elif isinstance(default, dict):
                default = {**default, "preset": "custom"}
            else:
                default = None
        values[param["name"]] = default
    return values


def load_source_choices(choices_from: dict[str, Any], *, parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs read from a data source's answer, via the aggregation collector (cached).

    ``path`` points at a list in the source's payload; items are objects (``value``/``label`` name
    their fields) or plain values.
    """
    from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
    from reporting.pipeline.datapath import DataPathError, resolve_path
    from reporting.pipeline.orchestrator import source_config_from_model

    from .models import DataSource

    name = choices_from.get("source")
    source = DataSource.objects.filter(name=name, is_active=True).first()
    if source is None:
        raise ChoicesUnavailable(f"data source '{name}' does not exist or is inactive")
    result = collect_sources(requests=[SourceRequest(config=source_config_from_model(source), required=True)],
                             parameters=parameters, use_cache=True, deadline_s=CHOICES_DEADLINE_S)
    if result.failures:
        raise ChoicesUnavailable(f"data source '{name}' failed: {result.failures[0].reason}")
    try:
        items = resolve_path(result.data.get(name), choices_from.get("path", ""))
    except DataPathError as exc:
        raise ChoicesUnavailable(f"data source '{name}' has nothing at '{exc.path}' (no '{exc.failed_at}')") from None
    if not isinstance(items, list):
        raise ChoicesUnavailable(f"'{choices_from.get('path')}' in data source '{name}' is not a list")
    value_key = choices_from.get("value")
    label_key = choices_from.get("label") or value_key
    choices: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, dict):
            if value_key is None or item.get(value_key) is None:
                raise ChoicesUnavailable(f"items at '{choices_from.get('path')}' have no field '{value_key}'")
            value, label = item[value_key], item.get(label_key, item[value_key])
        else:
            value = label = item
        if (str(value), str(label)) not in choices:
            choices.append((str(value), str(label)))
    return choices


def _field_for(param: dict[str, Any], *, loaded_choices: list[tuple[str, str]] | None = None,
               choices_note: str = "") -> dict[str, forms.Field]:
    """Form fields for one parameter, keyed by form-field name.

    ``loaded_choices``: choices read from a source (choices_from); ``choices_note`` explains a
    fallback when they could not be loaded.
    """
    name = param["name"]
    ptype = param.get("type", "string")
    common = {
        "label": param.get("label", name.replace("_", " ").capitalize()),
        "required": bool(param.get("required", False)),
        "help_text": _help(param.get("help", "")),
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
        validators = []
        if param.get("min"):
            validators.append(MinValueValidator(date.fromisoformat(param["min"])))
        if param.get("max"):
            validators.append(MaxValueValidator(date.fromisoformat(param["max"])))
        return {name: forms.DateField(widget=_date_input(), validators=validators, **common)}
    if ptype in ("choice", "multichoice"):
        choices = loaded_choices if loaded_choices is not None else _choices(param)
        if choices_note:
            common["help_text"] = _help(common["help_text"], choices_note)
        if not choices and "choices_from" in param:
            # Nothing to offer: let the person type the value rather than block the report.
            if ptype == "choice":
                return {name: forms.CharField(**common)}
            return {name: CommaListField(**{**common, "help_text": _help(common["help_text"], "Comma-separated.")})}
        if ptype == "choice":
            return {name: forms.ChoiceField(choices=choices, **common)}
        return {name: forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)}
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

    def __init__(self, *args, spec_parameters: list[dict[str, Any]], today: date | None = None,
                 load_choices: bool = True, **kwargs):
        self.spec_parameters = spec_parameters
        self.today = today or timezone.localdate()
        # Why choices of a parameter (by name) could not be loaded from its source, for the page to show.
        self.choice_load_errors: dict[str, str] = {}
        initial = kwargs.pop("initial", None) or {}
        for param in spec_parameters:
            for key, value in _initial_for(param).items():
                initial.setdefault(key, value)
        super().__init__(*args, initial=initial, **kwargs)
        for param in spec_parameters:
            self.fields.update(self._fields_for(param, load_choices=load_choices))

    def _fields_for(self, param: dict[str, Any], *, load_choices: bool) -> dict[str, forms.Field]:
        source_ref = param.get("choices_from")
        if not isinstance(source_ref, dict) or param.get("type") not in ("choice", "multichoice"):
            return _field_for(param)
        if not load_choices:
            return _field_for(param, loaded_choices=_choices(param) or None)
        try:
            loaded = load_source_choices(source_ref, parameters=placeholder_defaults(self.spec_parameters,
                                                                                    today=self.today))
            return _field_for(param, loaded_choices=loaded)
        except ChoicesUnavailable as exc:
            self.choice_load_errors[param["name"]] = str(exc)
            fallback = "the built-in list is shown" if param.get("choices") else "type the value"
            return _field_for(param, loaded_choices=_choices(param),
                              choices_note=f"(The list could not be loaded: {exc}; {fallback}.)")

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
        # The recipient limit is per report: addresses spread over several email_list fields count together.
        email_fields = [p["name"] for p in self.spec_parameters if p.get("type") == "email_list"]
        if len(email_fields) > 1 and all(name in cleaned for name in email_fields):
            combined = distinct_addresses(address for name in email_fields for address in cleaned[name] or [])
            for error in recipient_errors(combined):
                self.add_error(None, error)
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
    if ptype == "email_list":
        addresses = stored_addresses(value)
        # A job stored with thousands of addresses (from before the recipient limit) would make the
        # report's title block taller than a page: show the first ones and how many more.
        shown = ", ".join(addresses[:MAX_ADDRESSES_SHOWN])
        more = len(addresses) - MAX_ADDRESSES_SHOWN
        return f"{shown} and {more:,} more" if more > 0 else shown
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if ptype in ("choice", "multichoice"):
        labels = dict(_choices(param))
        return labels.get(str(value), str(value))
    return str(value)
