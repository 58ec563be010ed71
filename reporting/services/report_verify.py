"""Checking a report file someone holds: which job and version it came from, whether its bytes are
the recorded ones, whether its digital signatures hold and by whom, and its approvals."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from reporting.models import ReportApproval, ReportArtifact, ReportJob

from .pdf_signing import SignatureCheck, pdf_signatures_check

_JOB_IN_METADATA = re.compile(rb"qms-job:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


class NotAReportFile(ValueError):
    pass


@dataclass
class VerifyResult:
    sha256: str
    size: int
    kind: str  # "pdf" | "xlsx"
    status: str = "unknown"  # "genuine" | "modified" | "unknown"
    job: ReportJob | None = None
    record: str = ""  # "report file" | "approved copy"
    signatures: list[SignatureCheck] = field(default_factory=list)
    approvals: list[ReportApproval] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The sha256 of the report PDF this file is (or was copied from, for an approved copy).
    report_sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "genuine" and not self.problems

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else (2 if self.status == "unknown" else 1)


def file_kind(data: bytes) -> str:
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    raise NotAReportFile("This is neither a PDF nor an XLSX workbook: only report files can be verified.")


def report_verify(*, data: bytes) -> VerifyResult:
    kind = file_kind(data)
    digest = hashlib.sha256(data).hexdigest()
    result = VerifyResult(sha256=digest, size=len(data), kind=kind)
    artifact = ReportArtifact.objects.select_related("job__template", "job__template_version").filter(
        sha256=digest).first()
    approval = None if artifact else ReportApproval.objects.select_related("job__template").filter(
        file_sha256=digest).first()
    if artifact or approval:
        result.status, result.job = "genuine", (artifact or approval).job
        result.record = "report file" if artifact else f"approved copy ({approval.get_meaning_display()})"
        result.report_sha256 = artifact.sha256 if artifact else approval.artifact_sha256
    else:
        claimed = _claimed_job_id(data, kind)
        job = ReportJob.objects.filter(public_id=claimed).first() if claimed else None
        if job is not None:
            result.status, result.job = "modified", job
            result.problems.append("The file names this job but its bytes match none of the job's recorded files: "
                                   "it was changed after it was made.")
        else:
            result.problems.append("No report on record has these bytes, and the file names no known job.")
    if kind == "pdf":
        result.signatures = pdf_signatures_check(data=data)
        # An approved copy made without a certificate adds its page after the original's signature.
        _judge_signatures(result, expected=_signature_expected(result.job, artifact, approval),
                          whole_file=not (approval is not None and not approval.digitally_signed))
    if result.job is not None:
        result.approvals = list(result.job.approvals.order_by("signed_at"))
    return result


def _signature_expected(job: ReportJob | None, artifact, approval) -> bool:
    if approval is not None:
        return approval.digitally_signed
    if artifact is not None:
        return artifact.format == "pdf" and bool(((job.manifest or {}).get("artifacts") or {}).get("pdf", {})
                                                  .get("signed"))
    return False


def _judge_signatures(result: VerifyResult, *, expected: bool, whole_file: bool = True) -> None:
    if not result.signatures:
        if expected:
            result.problems.append("The record says this PDF was digitally signed, but it carries no signature.")
        return
    for check in result.signatures:
        if check.problem:
            result.problems.append(f"Signature {check.field or '?'} could not be checked: {check.problem}")
        elif not (check.intact and check.valid):
            result.problems.append(f"Signature {check.field} does not match the file: the signed bytes were changed.")
        elif not check.trusted:
            result.problems.append(f"Signature {check.field} is by {check.signer}, a certificate this site does not "
                                   "trust.")
    last = result.signatures[-1]
    if whole_file and not last.problem and not last.covers_whole_file:
        result.problems.append("Bytes were added after the last digital signature.")


# docProps/core.xml of a report is about 1 KB: a bigger part is not ours, and reading it whole would
# let a small zip expand to hundreds of MB in memory (a zip bomb).
_CORE_XML_LIMIT = 1024 * 1024


def _claimed_job_id(data: bytes, kind: str) -> str | None:
    text = data
    if kind == "xlsx":
        text = _zip_member(data, "docProps/core.xml", limit=_CORE_XML_LIMIT)
        if text is None:
            return None
    found = _JOB_IN_METADATA.search(text)
    return found.group(1).decode() if found else None


def _zip_member(data: bytes, name: str, *, limit: int) -> bytes | None:
    """One part of an uploaded zip, or None if missing, unreadable or over limit bytes decompressed.

    The declared size is checked first, and the read stops at limit + 1 bytes whatever the
    header claims."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.getinfo(name).file_size > limit:
                return None
            with archive.open(name) as member:
                text = member.read(limit + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError, RuntimeError, ValueError,
            zlib.error):
        return None
    return None if len(text) > limit else text


def verify_lines(result: VerifyResult) -> list[str]:
    """The result as a person reads it (the command prints these; the page shows the same)."""
    lines = [f"File: {result.kind.upper()}, {result.size} bytes, SHA-256 {result.sha256}"]
    if result.job is not None:
        job = result.job
        lines.append(f"Job: {job.public_id} — template {job.template.slug} version {job.template_version.number}, "
                     f"status {job.status}, finished {job.finished_at:%Y-%m-%d %H:%M:%S %Z}"
                     if job.finished_at else f"Job: {job.public_id} — template {job.template.slug}")
    verdict = {"genuine": f"Bytes: match the recorded {result.record}.",
               "modified": "Bytes: DO NOT match any recorded file of this job (modified).",
               "unknown": "Bytes: unknown (no report on record)."}[result.status]
    lines.append(verdict)
    for check in result.signatures:
        if check.problem or not (check.intact and check.valid and check.trusted):
            state = "INVALID"
        elif check.covers_whole_file:
            state = "valid, covers the whole file"
        else:
            state = "valid, covers an earlier revision (pages were added after it)"
        lines.append(f"Digital signature {check.field}: {state}; signer {check.signer or '?'}; reason {check.reason!r}; "
                     f"signed {check.signed_at or '?'}")
    if result.kind == "pdf" and not result.signatures:
        lines.append("Digital signature: none")
    for approval in result.approvals:
        if approval.file_sha256 == result.sha256:
            applies = "this approved copy"
        elif approval.artifact_sha256 in (result.sha256, result.report_sha256):
            applies = "the report this file is" + (" made from" if result.report_sha256 != result.sha256 else "")
        else:
            applies = "another file of this job"
        lines.append(f"Approval: {approval.get_meaning_display()} by {approval.signer_name} at "
                     f"{approval.signed_at.isoformat()} ({approval.time_zone}) on report SHA-256 "
                     f"{approval.artifact_sha256[:16]}… ({applies})")
    if not result.approvals and result.job is not None:
        lines.append("Approvals: none")
    lines.extend(f"PROBLEM: {p}" for p in result.problems)
    lines.append("RESULT: " + ("VERIFIED" if result.ok else "NOT VERIFIED"))
    return lines
