from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from templates_app.parameters import ParameterForm

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
