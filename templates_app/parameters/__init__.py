"""Template parameters: the run form built from the spec, CLI values, choices loaded from a source,
values shown to people, and the email-recipient policy.

Every function here takes the parsed parameters (``ReportSpec.parameters``, see templates_app.spec)
or, for callers that still hold the JSON, the spec's list of parameter objects.
"""
from ..spec import PARAMETER_TYPES
from .choices import CHOICES_DEADLINE_S, ChoicesUnavailable, load_source_choices, placeholder_defaults
from .cli import cli_form_data
from .display import (
    MAX_ADDRESSES_SHOWN, QUOTED_VALUE_CHARS, display_value, iso_date, parameter_lines, quoted_value,
)
from .fields import CommaListField, EmailListField, ParameterForm, initial_values
from ..recipients import distinct_addresses, recipient_errors, split_addresses, stored_addresses

__all__ = [
    "CHOICES_DEADLINE_S", "MAX_ADDRESSES_SHOWN", "PARAMETER_TYPES", "QUOTED_VALUE_CHARS", "ChoicesUnavailable", "CommaListField",
    "EmailListField", "ParameterForm", "cli_form_data", "display_value", "distinct_addresses", "initial_values",
    "iso_date", "load_source_choices", "parameter_lines", "placeholder_defaults", "quoted_value", "recipient_errors", "split_addresses",
    "stored_addresses",
]
