"""Staff monitoring page and the Prometheus scrape endpoint."""
from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import metrics, selectors


@require_GET
def monitor(request):
    if not request.user.is_staff:
        raise PermissionDenied
    rq = selectors.redis_figures()
    if not rq.available:
        messages.warning(request, rq.error)
    context = {
        "redis": rq,
        "queues": rq.queues,
        "workers": rq.workers,
        "jobs": selectors.job_figures(hours=24),
        "failures": selectors.recent_failures(limit=20),
    }
    return render(request, "reporting/monitor.html", context)


@login_not_required
@require_GET
def prometheus_metrics(request):
    """Staff session, or `Authorization: Bearer $METRICS_TOKEN` for a Prometheus server."""
    if not (request.user.is_authenticated and request.user.is_staff) and not _has_metrics_token(request):
        response = HttpResponse("metrics need a staff session or the bearer token\n", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def _has_metrics_token(request) -> bool:
    expected = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if not expected or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), expected.encode())
