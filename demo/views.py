"""The demo analytics API the seeded DataSources call: read-only, deterministic, token protected."""
import hmac
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .api_data import BadParameter, UnknownSource, demo_payload

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _error(status: int, message: str, parameter: str | None = None) -> JsonResponse:
    body = {"error": message} if parameter is None else {"error": message, "parameter": parameter}
    return JsonResponse(body, status=status)


def _date_parameter(request, name: str) -> date:
    raw = request.GET.get(name, "")
    if not raw:
        raise BadParameter(name, f"{name} is required: a date in YYYY-MM-DD form")
    try:
        # fromisoformat alone also takes "20261001" or "2026-W40"; the API documents one form.
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, f"{name} must be a date in YYYY-MM-DD form, got {raw[:40]!r}") from None


def _today() -> date | None:
    """settings.DEMO_DATA_TODAY (a date or "YYYY-MM-DD") pins the demo's today, e.g. for tests."""
    pinned = getattr(settings, "DEMO_DATA_TODAY", None)
    if pinned is None or isinstance(pinned, date):
        return pinned
    try:
        return date.fromisoformat(pinned)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"DEMO_DATA_TODAY must be a date or 'YYYY-MM-DD', got {pinned!r}") from None


@login_not_required  # machine-to-machine: protected by the bearer token instead of a session
@require_GET
def demo_source(request, source: str):
    expected = settings.DEMO_API_TOKEN
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(supplied.encode(), expected.encode()):
        return _error(401, "missing or wrong bearer token")
    try:
        start, end = _date_parameter(request, "start"), _date_parameter(request, "end")
        payload = demo_payload(source, start=start, end=end, department=request.GET.get("department") or None,
                               today=_today())
    except UnknownSource as exc:
        return _error(404, str(exc))
    except BadParameter as exc:
        return _error(400, str(exc), exc.parameter)
    return JsonResponse(payload)
