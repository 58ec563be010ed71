"""What the admin pages share: JSON fields, problem lists, publishing and its permissions."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..models import ReportTemplate, TemplateVersion
from ..selectors import template_allows_user
from ..services import template_version_publish
from ..validation import JsonRefused, json_parse


def json_textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 110, "spellcheck": "false",
                                 "style": "font-family: monospace; font-size: 12px; width: 95%"})


def parse_json(text: str, *, what: str):
    try:
        return json_parse(text, what=f"The {what}")
    except JsonRefused as exc:  # not JSON, nested too deep for the parser, a number of thousands of digits
        raise ValidationError(str(exc), code=exc.code) from None


def limit_errors(problems, *, what: str) -> ValidationError | None:
    """Limit problems block even a draft: such a value cannot be stored (NaN breaks the JSON column) or
    would make every later step crash or crawl."""
    if not problems:
        return None
    return ValidationError([ValidationError(f"{what} at {p.pointer or '/'}: {p.message}", code=p.code)
                            for p in problems])


def problems_html(problems) -> str:
    if not problems:
        return mark_safe('<strong style="color:#1a7f37">Valid</strong>')
    items = format_html_join("", "<li><code>{}</code> {} <small>[{}]</small></li>",
                             ((p.pointer or "/", p.message, p.code) for p in problems))
    return format_html('<strong style="color:#b42318">{} problem(s)</strong><ul class="spec-problems">{}</ul>',
                       len(problems), items)


def user_may_publish(user) -> bool:
    return user.has_perm("templates_app.change_reporttemplate")


def user_may_render_live(user, template: ReportTemplate) -> bool:
    return user_may_publish(user) and template_allows_user(template=template, user=user)


def publish(model_admin, request, version: TemplateVersion) -> None:
    try:
        template_version_publish(version=version)
    except ValidationError as exc:
        model_admin.message_user(request, f"v{version.number} cannot be published: {' '.join(exc.messages)}",
                                 messages.ERROR)
    else:
        model_admin.message_user(request, f"{version.template.name}: v{version.number} is now published.",
                                 messages.SUCCESS)
