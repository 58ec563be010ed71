"""Import/export of templates and their data sources as one JSON bundle.

Export writes each template's published spec (or latest version when none is published), its
sample data, its allowed groups by name and every data source it uses. Import validates the whole
bundle first and writes it in one transaction: any invalid part means nothing changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import DataSource, ReportTemplate
from .selectors import source_catalogue, source_info, template_version_current
from .source_checks import SOURCE_PROBLEM_CODES
from .services import data_source_save, template_version_create, template_version_publish
from .validation import (
    JsonRefused, SpecProblem, json_parse, json_value_problems, pointer_for, sample_data_limit_problems, validate_spec,
)

BUNDLE_FORMAT = "qms-report-templates"
BUNDLE_VERSION = 1
DEFAULT_BUNDLE_MAX_BYTES = 20 * 1024 * 1024
# Every DataSource field a bundle carries (identity, config and secrets-by-reference; no bookkeeping).
SOURCE_FIELDS = (
    "name", "description", "kind", "is_active", "base_url", "endpoint", "method", "query_params", "body",
    "headers", "response_path", "connect_timeout_s", "read_timeout_s", "max_attempts", "cache_ttl_s",
    "database_alias", "sql", "row_limit", "static_data",
)
TEMPLATE_FIELDS = ("slug", "name", "description", "is_active", "job_timeout_s")
# The data source fields stored as JSON: checked for depth and finite numbers before the model sees them
# (NaN/Infinity would otherwise end in an IntegrityError/DataError from the JSON column).
SOURCE_JSON_FIELDS = ("query_params", "body", "headers", "static_data")


class BundleInvalid(Exception):
    def __init__(self, problems: list[SpecProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the bundle")


class BundleUnreadable(ValueError):
    """No bundle file was given, or it is not JSON (the message says which, for the person)."""


@dataclass
class ImportSummary:
    sources_created: list[str] = field(default_factory=list)
    sources_updated: list[str] = field(default_factory=list)
    templates_created: list[str] = field(default_factory=list)
    templates_updated: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)


def bundle_export(*, templates) -> dict[str, Any]:
    templates = list(templates)
    source_names: set[str] = set()
    entries = []
    for template in sorted(templates, key=lambda t: t.slug):
        version = template_version_current(template=template)
        spec = version.spec if version else {}
        sample_data = version.sample_data if version else {}
        source_names.update(_referenced_sources(spec))
        entries.append({
            **{f: getattr(template, f) for f in TEMPLATE_FIELDS},
            "allowed_groups": sorted(template.allowed_groups.values_list("name", flat=True)),
            "version": version.number if version else None,
            "spec": spec,
            "sample_data": sample_data,
        })
    sources = DataSource.objects.filter(name__in=source_names).order_by("name")
    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "data_sources": [{f: getattr(s, f) for f in SOURCE_FIELDS} for s in sources],
        "templates": entries,
    }


def _referenced_sources(spec: Any) -> set[str]:
    names = set()
    if not isinstance(spec, dict):
        return names
    for ref in spec.get("sources") or []:
        if isinstance(ref, dict) and isinstance(ref.get("source"), str):
            names.add(ref["source"])
    for param in spec.get("parameters") or []:
        ref = param.get("choices_from") if isinstance(param, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("source"), str):
            names.add(ref["source"])
    return names


def bundle_read(*, upload) -> Any:
    """The JSON value in an uploaded bundle file (BundleUnreadable: no file, or not JSON); whether it is a
    bundle is for bundle_import to say."""
    if upload is None:
        raise BundleUnreadable("Choose a bundle file.")
    limit = bundle_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise BundleUnreadable(bundle_too_large_message("The file", upload.size, limit))
    try:
        return json_parse(upload.read().decode("utf-8"), what="The file")
    except UnicodeDecodeError as exc:
        raise BundleUnreadable(f"The file is not valid JSON: {exc}") from None
    except JsonRefused as exc:  # not JSON, nested too deep, a number of thousands of digits
        raise BundleUnreadable(str(exc)) from None


def bundle_max_bytes() -> int:
    """The largest bundle file read (a bundle holds many specs, sample data and static data)."""
    return getattr(settings, "REPORTING_BUNDLE_MAX_BYTES", DEFAULT_BUNDLE_MAX_BYTES)


def bundle_too_large_message(subject: str, size: int, limit: int) -> str:
    return f"{subject} is {size:,} bytes; the limit is {limit:,} bytes (REPORTING_BUNDLE_MAX_BYTES)."


def bundle_problems(bundle: Any, *, user=None) -> list[SpecProblem]:
    """Everything wrong with a bundle, with pointers into the bundle. Touches nothing.

    With ``user``, their permissions apply: writing a data source needs the DataSource add or
    change permission. Without one, the caller is the server's operator (a management command).
    """
    problems, _ = _checked(bundle, user=user)
    return problems


def _permission_refusal(user, source: DataSource, *, changed: bool) -> str:
    """Why ``user`` may not write this source through an import ('' when they may)."""
    if user is None:
        return ""
    if source.pk is None and not user.has_perm("templates_app.add_datasource"):
        return (f"Data source '{source.name}' would be created, but you do not have permission to add data "
                "sources; nothing was imported.")
    if source.pk is not None and changed and not user.has_perm("templates_app.change_datasource"):
        return (f"Data source '{source.name}' would be changed, but you do not have permission to change data "
                "sources; nothing was imported.")
    return ""


def _template_permission_refusal(user, template: ReportTemplate, slug: str) -> str:
    """Why ``user`` may not create or change this template through an import ('' when they may)."""
    if user is None:
        return ""
    if not user.is_active or not user.is_staff:
        return f"Template '{slug}': only active staff users may import templates; nothing was imported."
    needed = "add" if template.pk is None else "change"
    if not user.has_perm(f"templates_app.{needed}_reporttemplate"):
        return (f"Template '{slug}' would be {'created' if needed == 'add' else 'changed'}, but you do not have "
                f"permission to {needed} report templates; nothing was imported.")
    return ""


def _checked(bundle: Any, *, user=None) -> tuple[list[SpecProblem], list[DataSource]]:
    problems: list[SpecProblem] = []

    def add(path: list[Any], code: str, message: str) -> None:
        problems.append(SpecProblem(pointer_for(path), code, message))

    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        return [SpecProblem("/format", "not_a_bundle", f"This is not a template bundle (format \"{BUNDLE_FORMAT}\").")], []
    if bundle.get("format_version") != BUNDLE_VERSION:
        add(["format_version"], "unsupported_bundle_version",
            f"Bundle format version {bundle.get('format_version')!r} is not supported (expected {BUNDLE_VERSION}).")
    sources_in = bundle.get("data_sources", [])
    templates_in = bundle.get("templates", [])
    for key, value in (("data_sources", sources_in), ("templates", templates_in)):
        if not isinstance(value, list):
            add([key], "wrong_type", f"\"{key}\" must be a list.")
    if problems:
        return problems, []

    catalogue = source_catalogue()
    staged: list[DataSource] = []
    seen_sources: set[str] = set()
    for i, entry in enumerate(sources_in):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            add(["data_sources", i, "name"], "required", "Each data source needs a name.")
            continue
        unknown = sorted(set(entry) - set(SOURCE_FIELDS))
        for key in unknown:
            add(["data_sources", i, key], "unknown_key", f"Data source '{entry['name']}' has an unknown key \"{key}\".")
        if entry["name"] in seen_sources:
            add(["data_sources", i, "name"], "duplicate_name", f"Data source '{entry['name']}' appears twice.")
        seen_sources.add(entry["name"])
        refused = [SpecProblem(f"/data_sources/{i}/{key}{p.pointer}", p.code, f"Data source '{entry['name']}': "
                               f"{key}: {p.message}")
                   for key in SOURCE_JSON_FIELDS if key in entry
                   for p in json_value_problems(entry[key], what=key)]
        if refused:
            problems.extend(refused)
            continue
        source = DataSource.objects.filter(name=entry["name"]).first() or DataSource()
        before = {key: getattr(source, key) for key in SOURCE_FIELDS}
        for key in SOURCE_FIELDS:
            if key in entry:
                setattr(source, key, entry[key])
        refusal = _permission_refusal(user, source, changed=before != {k: getattr(source, k) for k in SOURCE_FIELDS})
        if refusal:
            add(["data_sources", i], "permission_denied", refusal)
            continue
        try:
            source.full_clean(exclude=["version"], validate_unique=False)
        except ValidationError as exc:
            for field_name, errors in exc.error_dict.items():
                for error in errors:
                    code = error.code if error.code in SOURCE_PROBLEM_CODES else "invalid_source_field"
                    add(["data_sources", i, field_name], code,
                        f"Data source '{entry['name']}': {field_name}: {' '.join(error.messages)}")
            continue
        staged.append(source)
        catalogue[source.name] = source_info(source)

    seen_slugs: set[str] = set()
    for i, entry in enumerate(templates_in):
        if not isinstance(entry, dict) or not isinstance(entry.get("slug"), str):
            add(["templates", i, "slug"], "required", "Each template needs a slug.")
            continue
        slug = entry["slug"]
        if slug in seen_slugs:
            add(["templates", i, "slug"], "duplicate_name", f"Template '{slug}' appears twice.")
        seen_slugs.add(slug)
        template = ReportTemplate.objects.filter(slug=slug).first() or ReportTemplate()
        template_refusal = _template_permission_refusal(user, template, slug)
        if template_refusal:
            add(["templates", i], "permission_denied", template_refusal)
            continue
        for key in TEMPLATE_FIELDS:
            if key in entry:
                setattr(template, key, entry[key])
        try:
            template.full_clean(exclude=["published_version"], validate_unique=False)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                add(["templates", i, field_name], "invalid_template_field",
                    f"Template '{slug}': {field_name}: {' '.join(messages)}")
        groups = entry.get("allowed_groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) and g.strip() for g in groups):
            add(["templates", i, "allowed_groups"], "wrong_type", f"Template '{slug}': allowed_groups must be a list of group names.")
        elif user is not None and not user.has_perm("auth.add_group"):
            new_groups = sorted(set(groups) - set(Group.objects.filter(name__in=groups).values_list("name", flat=True)))
            if new_groups:
                add(["templates", i, "allowed_groups"], "permission_denied",
                    f"Template '{slug}': group(s) {', '.join(new_groups)} would be created, but you do not have "
                    "permission to add groups; nothing was imported.")
        sample_data = entry.get("sample_data", {})
        if not isinstance(sample_data, dict):
            add(["templates", i, "sample_data"], "bad_sample_data", f"Template '{slug}': sample_data must be an object.")
            sample_data = {}
        sample_refused = sample_data_limit_problems(sample_data)
        for problem in sample_refused:
            problems.append(SpecProblem(f"/templates/{i}/sample_data{problem.pointer}", problem.code,
                                        f"Template '{slug}': sample data: {problem.message}"))
        if sample_refused:
            sample_data = {}  # reported with its own pointer; the spec is still checked on its own
        for problem in validate_spec(entry.get("spec"), known_sources=catalogue, sample_data=sample_data or None):
            problems.append(SpecProblem(f"/templates/{i}/spec{problem.pointer}", problem.code,
                                        f"Template '{slug}': {problem.message}"))
    return problems, staged


@transaction.atomic
def bundle_import(*, bundle: Any, author=None, as_operator: bool = False) -> ImportSummary:
    """Validate everything, then write it all (or, on any problem or error, nothing).

    The author's permissions apply: an import that would create or change a data source (or create
    a group) they may not is refused whole. ``as_operator`` (the server operator's command, with no
    author) skips the permission checks; without it an author is required.
    """
    if author is None and not as_operator:
        raise ValueError("bundle_import needs the author whose permissions apply (or as_operator=True)")
    problems, staged_sources = _checked(bundle, user=None if as_operator else author)
    if problems:
        raise BundleInvalid(problems)
    summary = ImportSummary()
    for source in staged_sources:
        (summary.sources_updated if source.pk else summary.sources_created).append(source.name)
        data_source_save(source=source)
    for entry in bundle["templates"]:
        template = ReportTemplate.objects.filter(slug=entry["slug"]).first()
        (summary.templates_updated if template else summary.templates_created).append(entry["slug"])
        template = template or ReportTemplate(slug=entry["slug"])
        for key in TEMPLATE_FIELDS:
            if key in entry:
                setattr(template, key, entry[key])
        template.save()
        groups = []
        for name in entry.get("allowed_groups", []):
            group, created = Group.objects.get_or_create(name=name)
            if created:
                summary.groups_created.append(name)
            groups.append(group)
        template.allowed_groups.set(groups)
        version = template_version_create(template=template, spec=entry["spec"], author=author,
                                          sample_data=entry.get("sample_data", {}),
                                          change_note=f"Imported from bundle (exported as v{entry.get('version')})")
        if template.published_version_id != version.pk:
            template_version_publish(version=version)
    return summary
