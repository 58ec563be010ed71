"""Forms of the job list filters, sharing and favourites (thin: the services validate)."""
from __future__ import annotations

from typing import Any

from django import forms

from .models import ReportJob


class JobFilterForm(forms.Form):
    """The job list's filters, read from the URL (GET), so a filtered list can be bookmarked."""

    q = forms.CharField(required=False, label="Search", max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Report, parameter value…"}))
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *ReportJob.Status.choices])
    template = forms.ChoiceField(required=False, label="Report")
    requested_by = forms.ChoiceField(required=False, label="Requested by")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, templates, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "Any report"), *((t.slug, t.name) for t in templates)]
        if people is None:
            del self.fields["requested_by"]
        else:
            self.fields["requested_by"].choices = [("", "Anyone"), *((u.username, u.get_full_name() or u.username)
                                                                     for u in people)]
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", forms.ValidationError("“To” is before “From”.", code="date_order"))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The filters to apply; {"invalid": True} when one is wrong (the form shows why)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            for name in self.errors:
                if name in self.fields:  # the error text is tied to its field for screen readers
                    attrs = self.fields[name].widget.attrs
                    attrs["class"] += " is-invalid"
                    attrs["aria-describedby"] = f"id_{name}-error"
            # A filter that cannot be read matches nothing (never silently "everything").
            return {"invalid": True}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class JobShareForm(forms.Form):
    username = forms.CharField(required=False, label="User name", max_length=150)
    group = forms.CharField(required=False, label="or group", max_length=150)


class FavouriteForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)


def parameters_as_form_data(spec_parameters, values: dict[str, Any]) -> dict[str, Any]:
    """A job's stored parameter values as the run form's field values (for "Run again with changes")."""
    data: dict[str, Any] = {}
    for param in spec_parameters:
        if param.name not in values:
            continue
        value = values[param.name]
        if param.type == "date_range" and isinstance(value, dict):
            preset = value.get("preset") or "custom"
            data[f"{param.name}_preset"] = preset
            data[f"{param.name}_start"] = value.get("start")
            data[f"{param.name}_end"] = value.get("end")
        elif param.type == "email_list":  # stored as a list, typed as "a@x, b@y"
            data[param.name] = ", ".join(str(v) for v in value) if isinstance(value, list) else (value or "")
        else:
            data[param.name] = value
    return data
