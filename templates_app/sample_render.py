"""Test render: a template version rendered from its sample data (or, with live=True, its real sources).

Composes the engine's pieces (processors, context, renderers) without a job, so an
admin or CI sees exactly what a run would produce — or why it would fail — before publishing.
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from reporting.pipeline import engine
from reporting.pipeline.engine import SourceFailure

from .models import TemplateVersion
from .parameters import ParameterForm, cli_form_data, parameter_lines
from .selectors import template_version_problems
from .sources import SourceUnavailable, source_requests_for
from .validation import SpecProblem

RENDER_FORMATS = tuple(engine.available_formats())  # settings.REPORTING_RENDERERS, in render order
STORE_DIR_NAME = "qms-sample-renders"
STORE_MAX_AGE_S = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


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

def _store_root() -> Path:
    """A folder only this user can enter: test renders may hold live data from the sources."""
    root = Path(tempfile.gettempdir()) / f"{STORE_DIR_NAME}-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        # Someone else made it (or a link in its place): never write live data there.
        raise PermissionError(f"{root} is not a folder of this user; remove it")
    if stat.S_IMODE(info.st_mode) != 0o700:
        root.chmod(0o700)
    return root


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(content)


def sample_render_store(*, result: SampleRender, owner_id: int | None) -> str:
    """Keep the rendered files for download under a random token (old ones are swept); only the
    user who rendered them (``owner_id``) may download them: a live render may hold data others
    may not see."""
    root = _store_root()
    cutoff = time.time() - STORE_MAX_AGE_S
    for old in root.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(mode=0o700)
    _write_private(folder / "owner", str(owner_id).encode())
    for rendered in result.files.values():
        _write_private(folder / rendered.fmt, rendered.content)
        _write_private(folder / f"{rendered.fmt}.name", f"{rendered.filename}\n{rendered.content_type}".encode())
    return token


def sample_render_file(*, token: str, fmt: str, user_id: int | None) -> tuple[Path, str, str] | None:
    """(path, filename, content type) of a stored file, or None (unknown token or format, or a
    render someone else made)."""
    if not _TOKEN.match(token or "") or fmt not in RENDER_FORMATS:
        return None
    folder = _store_root() / token
    path, meta, owner = folder / fmt, folder / f"{fmt}.name", folder / "owner"
    if not path.is_file() or not meta.is_file() or not owner.is_file():
        return None
    if owner.read_text() != str(user_id):
        return None
    filename, content_type = meta.read_text().split("\n", 1)
    return path, filename, content_type
