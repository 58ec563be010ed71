from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from templates_app.parameters import EmailListField, ParameterForm, distinct_addresses, recipient_errors

from .models import ReportJob


class RunReportForm(ParameterForm):
    """The template's parameters, plus the run options a user may choose."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_staff:
            self.fields["priority"] = forms.ChoiceField(
                choices=ReportJob.Priority.choices, initial=ReportJob.Priority.DEFAULT, label="Priority")
            self.fields["refresh_data"] = forms.BooleanField(
                required=False, label="Refresh data",
                help_text="Fetch every source again instead of using cached responses.")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Generate report"))

    @property
    def priority(self) -> str:
        return self.cleaned_data.get("priority") or ReportJob.Priority.DEFAULT

    @property
    def use_cache(self) -> bool:
        return not self.cleaned_data.get("refresh_data", False)


class EmailReportForm(forms.Form):
    """"Email this report": to me and/or to addresses, held to the same recipient policy as a run."""

    to_me = forms.BooleanField(required=False, label="To me")
    addresses = EmailListField(required=False, label="To these addresses",
                               widget=forms.TextInput(attrs={"placeholder": "qa@example.com, lead@example.com"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        recipients = list(cleaned.get("addresses") or [])
        if cleaned.get("to_me"):
            if not self.user.email:
                raise forms.ValidationError("Your account has no email address; enter one below instead.",
                                            code="no_own_address")
            recipients.insert(0, self.user.email)
        if "addresses" in self.errors:
            return cleaned
        recipients = distinct_addresses(recipients)
        if not recipients:
            raise forms.ValidationError("Choose “To me” or enter at least one address.", code="no_recipients")
        errors = recipient_errors(recipients)
        if errors:
            raise forms.ValidationError(errors)
        cleaned["recipients"] = recipients
        return cleaned
