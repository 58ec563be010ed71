"""Storing a job's rendered files: from a temporary file to the artifact storage as a stream."""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from typing import BinaryIO

from django.core.files import File
from django.utils.text import get_valid_filename

from reporting.models import ReportArtifact, ReportJob

CHUNK_BYTES = 1024 * 1024


def spool_copy(source: BinaryIO) -> BinaryIO:
    """A temporary file holding ``source``'s bytes, copied in chunks (never read whole), rewound.

    The renderers write into a temporary file the engine closes after its callback; the run keeps
    this copy until the store stage streams it to storage."""
    source.seek(0)
    held = tempfile.TemporaryFile()
    shutil.copyfileobj(source, held, CHUNK_BYTES)
    held.seek(0)
    return held


def artifact_store(*, job: ReportJob, fmt: str, content_type: str, file_extension: str,
                   stream: BinaryIO) -> ReportArtifact:
    """Store (or replace) the job's file of one format; never two files of a format per job.

    The stream is read twice in chunks (sha256, then the storage's own upload: a local file copy
    or an S3 multipart upload), so the file's size never decides the worker's memory."""
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
        digest.update(chunk)
    size = stream.tell()
    stream.seek(0)
    # One plain file name under jobs/<public id>/: a slug or extension written to the database by
    # other means ("../..") can never name a path outside the job's folder.
    filename = get_valid_filename(f"{job.template.slug}-{job.public_id}.{file_extension}".replace("/", "_"))
    existing = ReportArtifact.objects.filter(job=job, format=fmt).first()
    if existing:
        existing.file.delete(save=False)
        artifact = existing
    else:
        artifact = ReportArtifact(job=job, format=fmt)
    artifact.content_type = content_type
    artifact.size = size
    artifact.sha256 = digest.hexdigest()
    artifact.file.save(filename, File(stream, name=filename), save=False)
    artifact.save()
    return artifact
