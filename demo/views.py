"""The demo analytics API the seeded DataSources call: read-only, deterministic, token protected."""
import hmac
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .api_data import demo_payload


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_not_required  # machine-to-machine: protected by the bearer token instead of a session
@require_GET
def demo_source(request, source: str):
    expected = settings.DEMO_API_TOKEN
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(supplied.encode(), expected.encode()):
        return _error(401, "missing or wrong bearer token")
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        return _error(400, "start and end must be dates in YYYY-MM-DD form")
    if start > end:
        return _error(400, "start is after end")
    department = request.GET.get("department") or None
    try:
        return JsonResponse(demo_payload(source, start=start, end=end, department=department))
    except ValueError as exc:
        return _error(404, str(exc))
