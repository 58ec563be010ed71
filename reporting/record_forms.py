"""Forms of the controlled-record pages: approving with an e-signature, verifying a file."""
from __future__ import annotations

from django import forms

from .models import ReportApproval


class ApprovalForm(forms.Form):
    meaning = forms.ChoiceField(choices=ReportApproval.Meaning.choices, widget=forms.RadioSelect,
                                label="What your signature means")
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    acknowledge_partial = forms.BooleanField(
        required=False, label="I have read which data is missing from this report and sign it nevertheless.")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               label="Your password (re-entered to sign)", strip=False)
    nonce = forms.CharField(widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    file = forms.FileField(label="Report file (PDF or XLSX)")
