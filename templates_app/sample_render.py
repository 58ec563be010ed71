"""Test render: a template version rendered from its sample data (or, with live=True, its real sources).

Composes the engine's pieces (processors, context, renderers) without a job, so an
admin or CI sees exactly what a run would produce — or why it would fail — before publishing.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages

from reporting.pipeline import engine
from reporting.pipeline.engine import SourceFailure

from .models import TemplateVersion
from .parameters import ParameterForm, cli_form_data, parameter_lines
from .selectors import template_version_problems
from .sources import SourceUnavailable, source_requests_for
from .validation import SpecProblem

RENDER_FORMATS = tuple(engine.available_formats())  # settings.REPORTING_RENDERERS, in render order
STORE_PREFIX = "sample-renders"
STORE_MAX_AGE_S = 3600
_TOKEN = re.compile(r"^[0-9]{1,12}-[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class RenderedFile:
    fmt: str
    filename: str
    content_type: str
    content: bytes


@dataclass
class SampleRender:
    version: TemplateVersion
    live: bool
    problems: list[SpecProblem] = field(default_factory=list)
    files: dict[str, RenderedFile] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    chart_previews: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors


def default_parameters(spec: dict[str, Any], *, today: date | None = None) -> tuple[dict[str, Any], list[str]]:
    """The values a run with every parameter left at its default would use, and why that failed if it did."""
    spec_parameters = [p for p in spec.get("parameters") or [] if isinstance(p, dict)]
    form = ParameterForm(data=cli_form_data(spec_parameters, {}), spec_parameters=spec_parameters, today=today,
                         load_choices=False)
    if form.is_valid():
        return form.parameters(), []
    errors = [f"parameter '{name}': {' '.join(messages)}" for name, messages in form.errors.items()]
    return {}, errors


def template_version_sample_render(*, version: TemplateVersion, formats: tuple[str, ...] = RENDER_FORMATS,
                                   live: bool = False, today: date | None = None) -> SampleRender:
    """Validate the version and render it; never raises for a broken template (errors are reported)."""
    result = SampleRender(version=version, live=live, problems=template_version_problems(version=version))
    spec = version.spec
    if not isinstance(spec, dict) or not isinstance(spec.get("sections"), list):
        result.errors.append("Not rendered: the spec has no list of sections.")
        return result
    try:
        parameters, parameter_errors = default_parameters(spec, today=today)
    except Exception as exc:  # a spec bad enough to break the form builder: report, never crash
        parameters, parameter_errors = {}, [f"{type(exc).__name__}: {exc}"]
    if parameter_errors:
        result.warnings.append("Parameters left empty (no valid default): " + "; ".join(parameter_errors))

    try:
        sources, failures = (_live_sources(spec, parameters) if live else _sample_sources(spec, version.sample_data))
        processed = engine.process_sources(spec=spec, sources=sources, parameters=parameters,
                                           failures=[SourceFailure(f.name, f.reason, f.required) for f in failures])
        result.warnings.extend(processed.warnings)
        result.missing_sources = [f.name for f in failures]
        context = engine.build_context(
            spec=spec, parameters=parameters, data=processed.data,
            parameter_lines=parameter_lines(spec.get("parameters", []), parameters),
            missing=[SourceFailure(f.name, f.reason, f.required) for f in failures],
            requested_by="test render (live sources)" if live else "test render (sample data)",
        )
    except Exception as exc:  # other people's code (processors, collector) on arbitrary input
        result.errors.append(f"Could not prepare the data: {type(exc).__name__}: {exc}")
        return result

    def keep(fmt, renderer, fh):
        fh.seek(0)
        filename = f"{version.template.slug}-v{version.number}-{'live' if live else 'sample'}.{renderer.file_extension}"
        result.files[fmt] = RenderedFile(fmt, filename, renderer.content_type, fh.read())

    for fmt in formats:
        try:
            engine.render_formats(context=context, formats=[fmt], on_rendered=keep)
        except Exception as exc:  # the point of a test render is to catch exactly this
            result.errors.append(f"Rendering {fmt.upper()} failed: {type(exc).__name__}: {exc}")
    try:
        result.chart_previews = engine.chart_previews(spec=context.report, data=processed.data)
    except Exception as exc:
        result.errors.append(f"Chart previews failed: {type(exc).__name__}: {exc}")
    return result


def _sample_sources(spec: dict[str, Any], sample_data: Any):
    sample = sample_data if isinstance(sample_data, dict) else {}
    failures = []
    for ref in spec.get("sources") or []:
        name = ref.get("source") if isinstance(ref, dict) else None
        if isinstance(name, str) and name not in sample:
            failures.append(SourceFailure(name, "no sample data for this source", bool(ref.get("required", True))))
    return dict(sample), failures


def _live_sources(spec: dict[str, Any], parameters: dict[str, Any]):
    try:
        requests = source_requests_for(spec)
    except SourceUnavailable as exc:
        raise ValueError(str(exc)) from None
    result = engine.collect_sources(requests=requests, parameters=parameters, use_cache=False,
                             deadline_s=getattr(settings, "REPORTING_AGGREGATION_DEADLINE_S", None))
    return result.data, result.failures


# ----------------------------------------------------------------------------- files for the admin
# Test renders may hold live data from the sources: they go to the private artifact storage (a local
# folder, or the S3 bucket every web host shares) under sample-renders/<created>-<random>/, readable
# only through the admin view by the user who rendered them, and gone after
# REPORTING_SAMPLE_RENDER_MAX_AGE_S (swept at each new render and by the retention clean-up).

def _storage():
    return storages["artifacts"]


def _max_age_s() -> int:
    return int(getattr(settings, "REPORTING_SAMPLE_RENDER_MAX_AGE_S", STORE_MAX_AGE_S))


def _created_at(token: str) -> int | None:
    head, _, _ = token.partition("-")
    return int(head) if head.isdigit() else None


def sample_renders_sweep(*, now: float | None = None, dry_run: bool = False) -> list[str]:
    """Delete test renders older than the maximum age; returns the tokens (oldest first)."""
    storage, cutoff = _storage(), (now or time.time()) - _max_age_s()
    try:
        folders, _ = storage.listdir(STORE_PREFIX)
    except FileNotFoundError:
        return []
    expired = sorted(t for t in folders if (_created_at(t) or 0) < cutoff)
    if not dry_run:
        for token in expired:
            _delete_folder(storage, token)
    return expired


def _delete_folder(storage, token: str) -> None:
    folder = f"{STORE_PREFIX}/{token}"
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{folder}/{name}")
    if isinstance(storage, FileSystemStorage):  # a local folder stays behind empty otherwise
        shutil.rmtree(storage.path(folder), ignore_errors=True)


def sample_render_store(*, result: SampleRender, owner_id: int | None) -> str:
    """Keep the rendered files for download under a random token (old ones are swept); only the
    user who rendered them (``owner_id``) may download them: a live render may hold data others
    may not see."""
    sample_renders_sweep()
    storage = _storage()
    token = f"{int(time.time())}-{secrets.token_urlsafe(24)}"
    meta = {"owner": owner_id, "files": {}}
    for rendered in result.files.values():
        storage.save(f"{STORE_PREFIX}/{token}/{rendered.fmt}", ContentFile(rendered.content))
        meta["files"][rendered.fmt] = {"filename": rendered.filename, "content_type": rendered.content_type}
    storage.save(f"{STORE_PREFIX}/{token}/meta.json", ContentFile(json.dumps(meta).encode()))
    return token


def sample_render_file(*, token: str, fmt: str, user_id: int | None) -> StoredRender | None:
    """The stored file (storage, name, filename, content type), or None: unknown or expired token,
    unknown format, or a render someone else made."""
    if not _TOKEN.match(token or "") or fmt not in RENDER_FORMATS:
        return None
    created = _created_at(token)
    if created is None or created < time.time() - _max_age_s():
        return None
    storage, folder = _storage(), f"{STORE_PREFIX}/{token}"
    try:
        with storage.open(f"{folder}/meta.json", "rb") as fh:
            meta = json.loads(fh.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
    described = (meta.get("files") or {}).get(fmt)
    if meta.get("owner") != user_id or not described or not storage.exists(f"{folder}/{fmt}"):
        return None
    return StoredRender(storage=storage, name=f"{folder}/{fmt}", filename=described["filename"],
                        content_type=described["content_type"])


@dataclass(frozen=True)
class StoredRender:
    storage: Any
    name: str
    filename: str
    content_type: str
