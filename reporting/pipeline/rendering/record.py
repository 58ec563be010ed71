"""The run manifest as a reader sees it: groups of (label, value) lines, for the PDF's "Report
record" page and the workbook's "About" sheet (the same words in both)."""
from __future__ import annotations

import json
from typing import Any

RECORD_TITLE = "Report record"
HASH_NOTE = ("This file's own SHA-256 is recorded when the file is stored (a file cannot contain its own hash): "
             "the job page shows it, and `manage.py verify_report FILE` or the staff Verify page checks a copy "
             "against it.")


def record_groups(manifest: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    job = manifest.get("job") or {}
    template = manifest.get("template") or {}
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        ("Report", [
            ("Job", str(job.get("id", ""))),
            ("Template", f"{template.get('name', '')} ({template.get('slug', '')}), version {template.get('version', '')}"),
            ("Spec SHA-256", str(template.get("spec_sha256", ""))),
            ("Generated at", str(job.get("generated_at", ""))),
            ("Requested by", f"{job.get('requested_by', '')} ({job.get('origin', '')})"),
            ("Processed data SHA-256", str(manifest.get("data_sha256", "")) or "—"),
            ("Complete", "No: some data was missing (see the notes in the report)" if manifest.get("partial") else "Yes"),
        ]),
        ("Parameters", [(str(p.get("label") or p.get("name")), _parameter_text(p))
                        for p in manifest.get("parameters") or [] if not _empty_email_list(p)] or [("(none)", "")]),
        ("Data sources", [line for s in manifest.get("sources") or [] for line in _source_lines(s)]
         or [("(none)", "")]),
        ("Software", [(str(k), str(v)) for k, v in (manifest.get("software") or {}).items()]
         + [("Processors", ", ".join(manifest.get("processors") or []) or "(none)")]),
    ]
    signer = (manifest.get("signing") or {}).get("pdf")
    groups.append(("This file", [
        ("Digital signature", f"PDF signed by {signer} (PAdES)" if signer else "Not digitally signed"),
        ("SHA-256", HASH_NOTE),
    ]))
    return _shortened(groups)


MAX_VALUE_CHARS = 600


def _shortened(groups):
    """A very long value (2,000 recipients) is cut: the page must lay out; the job keeps the full manifest."""
    out = []
    for title, lines in groups:
        out.append((title, [(label, value if len(value) <= MAX_VALUE_CHARS else
                             f"{value[:MAX_VALUE_CHARS]}… (shortened: {len(value)} characters in all; the job's "
                             "record holds the full value)") for label, value in lines]))
    return out


def record_keywords(manifest: dict[str, Any]) -> str:
    """A compact line for the file's metadata, which verify_report reads to name the job."""
    job = manifest.get("job") or {}
    template = manifest.get("template") or {}
    return (f"qms-job:{job.get('id', '')} qms-template:{template.get('slug', '')} "
            f"qms-version:{template.get('version', '')} qms-spec-sha256:{template.get('spec_sha256', '')}")


def _empty_email_list(entry: dict[str, Any]) -> bool:
    """An email list left empty says nothing about the report ("Email to —", issue 13): not printed.
    The job's manifest keeps the entry."""
    value = entry.get("value")
    return entry.get("type") == "email_list" and not (value.strip() if isinstance(value, str) else value)


def _parameter_text(entry: dict[str, Any]) -> str:
    value = entry.get("value")
    if isinstance(value, dict) and "start" in value:
        text = f"{value.get('start')} to {value.get('end')}"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, (dict, tuple)):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = str(value)
    if entry.get("preset"):
        text += f" (preset {entry['preset']}, resolved in {entry.get('resolved_in_zone', '')})"
    return text


def _source_lines(source: dict[str, Any]) -> list[tuple[str, str]]:
    name = f"{source.get('name', '')} ({source.get('kind') or 'source'})"
    if source.get("error"):
        return [(name, f"FAILED: {source['error']}")]
    cache = "no"
    if source.get("from_cache"):
        age = source.get("cache_age_s")
        cache = f"yes (age {age:g} s)" if isinstance(age, (int, float)) else "yes"
    rows = source.get("rows")
    return [
        (name, f"fetched {source.get('fetched_at') or 'unknown'}; from cache: {cache}; "
               f"{source.get('bytes', 0)} bytes; " + (f"{rows} row{'' if rows == 1 else 's'}" if rows is not None
                                                       else "rows unknown")),
        ("  payload SHA-256", str(source.get("sha256", ""))),
    ]
