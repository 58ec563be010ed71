"""Storing a job's rendered files."""
from __future__ import annotations

import hashlib
from typing import BinaryIO

from django.core.files import File

from reporting.models import ReportArtifact, ReportJob


def artifact_store(*, job: ReportJob, fmt: str, content_type: str, file_extension: str,
                   stream: BinaryIO) -> ReportArtifact:
    """Store (or replace) the job's file of one format; never two files of a format per job."""
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    size = stream.tell()
    stream.seek(0)
    filename = f"{job.template.slug}-{job.public_id}.{file_extension}"
    existing = ReportArtifact.objects.filter(job=job, format=fmt).first()
    if existing:
        existing.file.delete(save=False)
        artifact = existing
    else:
        artifact = ReportArtifact(job=job, format=fmt)
    artifact.content_type = content_type
    artifact.size = size
    artifact.sha256 = digest.hexdigest()
    artifact.file.save(filename, File(stream), save=False)
    artifact.save()
    return artifact
