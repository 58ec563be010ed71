"""The schedule form: when and to whom (ScheduleForm) plus the report's own parameters (ScheduleParameterForm).

The parameters are the run form's (templates_app.parameters.ParameterForm), so a schedule's values
are validated exactly like a run's; a date range keeps its preset, resolved at each run. The
recipients are the schedule's own field, so the report's email_list parameters are left out.
"""
from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings

from templates_app.parameters import ParameterForm, split_addresses
from templates_app.spec import ReportSpec

from .models import Schedule
from .pipeline.rendering.base import available_formats
from .scheduling.recurrence import WEEKDAY_NAMES

PARAMETER_PREFIX = "p"


def timezone_names() -> list[str]:
    return sorted(available_timezones())


class ScheduleParameterForm(ParameterForm):
    def __init__(self, *args, spec: ReportSpec, stored: dict[str, Any] | None = None, **kwargs):
        params = [p for p in spec.parameters if p.type != "email_list"]
        initial = parameter_form_data(params, stored) if stored else None
        super().__init__(*args, spec_parameters=params, prefix=PARAMETER_PREFIX, initial=initial, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # one <form> holds both forms (reporting/schedules/form.html)
        self.helper.disable_csrf = True


def parameter_form_data(params, stored: dict[str, Any]) -> dict[str, Any]:
    """A schedule's stored values as the run form's initial data (the inverse of ParameterForm.parameters)."""
    data: dict[str, Any] = {}
    for param in params:
        if param.name not in stored:
            continue
        value = stored[param.name]
        if param.type == "date_range" and isinstance(value, dict):
            data[f"{param.name}_preset"] = value.get("preset") or "custom"
            data[f"{param.name}_start"], data[f"{param.name}_end"] = value.get("start"), value.get("end")
        else:
            data[param.name] = value
    return data


class BurstRecipientsField(forms.CharField):
    """One line per value: ``VALUE: address, address``."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        mapping: dict[str, list[str]] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            key, colon, addresses = line.partition(":")
            if not colon or not key.strip():
                raise forms.ValidationError("Line %(number)d: write VALUE: address, address.",
                                            code="burst_line", params={"number": number})
            mapping[key.strip()] = split_addresses(addresses)
        return mapping

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key}: {', '.join(addresses)}" for key, addresses in value.items())
        return value


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Schedule.Kind.choices, label="Repeat")
    time_of_day = forms.TimeField(label="At (local time)", widget=forms.TimeInput(attrs={"type": "time"}),
                                  input_formats=["%H:%M", "%H:%M:%S"])
    weekdays = forms.TypedMultipleChoiceField(choices=list(enumerate(WEEKDAY_NAMES)), coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple, label="On (weekly)")
    month_day = forms.CharField(max_length=4, required=False, initial="1", label="Day of month (monthly)",
                                help_text="1 to 31, or 'last'. A day the month lacks means its last day.")
    cron = forms.CharField(max_length=100, required=False, label="Cron expression",
                           help_text="Five fields: minute hour day month weekday, in the time zone below.")
    timezone = forms.CharField(max_length=64, label="Time zone",
                               widget=forms.TextInput(attrs={"list": "timezone-names", "autocomplete": "off"}))
    formats = forms.MultipleChoiceField(choices=[], required=False, widget=forms.CheckboxSelectMultiple,
                                        help_text="None chosen: the report's own formats.")
    recipients = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text="Comma-separated addresses that receive the report.")
    condition = forms.ChoiceField(choices=Schedule.Condition.choices, label="Email the report")
    burst_parameter = forms.ChoiceField(choices=[], required=False, label="One report per value of")
    burst_recipients = BurstRecipientsField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                            label="Recipients per value",
                                            help_text="One line per value, e.g. QA: qa@example.com. "
                                                      "Values without a line get the recipients above.")

    def __init__(self, *args, spec: ReportSpec, **kwargs):
        kwargs.setdefault("initial", {"timezone": settings.TIME_ZONE, "time_of_day": "08:00", "month_day": "1"})
        super().__init__(*args, **kwargs)
        self.fields["formats"].choices = [(f, f.upper()) for f in available_formats()]
        self.fields["burst_parameter"].choices = [("", "(one report)")] + [
            (p.name, p.label) for p in spec.parameters_of_type("choice")]

    @staticmethod
    def initial_from(schedule: Schedule) -> dict[str, Any]:
        return {"name": schedule.name, "kind": schedule.kind, "time_of_day": schedule.time_of_day.strftime("%H:%M"),
                "weekdays": schedule.weekdays, "month_day": schedule.month_day, "cron": schedule.cron,
                "timezone": schedule.timezone, "formats": schedule.formats,
                "recipients": ", ".join(schedule.recipients), "condition": schedule.condition,
                "burst_parameter": schedule.burst_parameter, "burst_recipients": schedule.burst_recipients}

    def values(self) -> dict[str, Any]:
        """The service's values (reporting.services.schedule_crud) from the cleaned data."""
        data = self.cleaned_data
        return {"name": data["name"], "kind": data["kind"], "time_of_day": data["time_of_day"],
                "weekdays": data.get("weekdays") or [], "month_day": data.get("month_day") or "1",
                "cron": data.get("cron") or "", "timezone": data["timezone"].strip(),
                "formats": data.get("formats") or [], "recipients": split_addresses(data.get("recipients") or ""),
                "condition": data["condition"], "burst_parameter": data.get("burst_parameter") or "",
                "burst_recipients": data.get("burst_recipients") or {}}

    def add_service_errors(self, error: forms.ValidationError) -> None:
        """The service's errors on their fields; those of fields not on this form above the form."""
        items = error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
        for field, errors in items:
            self.add_error(field if field in self.fields else None, errors)
