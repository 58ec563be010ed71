"""A workbook uploaded for verification cannot make the server decompress a zip bomb.

Found by review: a 204 KB zip whose docProps/core.xml expands to 200 MB raised the worker's memory
by 400 MB (the part was read whole). Now the declared size is checked and the read is bounded.
"""
import io
import tracemalloc
import zipfile

import pytest

from reporting.services.report_verify import report_verify
from tests.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


def _bomb(core_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("docProps/core.xml", core_xml)
    return buffer.getvalue()


def test_a_huge_core_xml_part_is_not_read_into_memory():
    job = ReportJobFactory()
    # The job's marker sits at the end of 60 MB of padding: reading the part whole would find it.
    data = _bomb(b" " * (60 * 1024 * 1024) + f"qms-job:{job.public_id}".encode())
    assert len(data) < 200 * 1024
    tracemalloc.start()
    try:
        result = report_verify(data=data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"verification held {peak / 1e6:.0f} MB for a {len(data) / 1e3:.0f} KB upload"
    assert result.status == "unknown" and result.job is None and not result.ok
    assert result.problems == ["No report on record has these bytes, and the file names no known job."]


def test_a_header_that_understates_the_size_is_still_bounded():
    job = ReportJobFactory()
    data = bytearray(_bomb(b" " * (5 * 1024 * 1024) + f"qms-job:{job.public_id}".encode()))
    # Claim 100 bytes in the central directory: the read must still stop early, not trust or overrun it.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    result = report_verify(data=bytes(data))
    assert result.job is None and result.status == "unknown"


def test_a_small_genuine_core_xml_still_names_its_job():
    job = ReportJobFactory()
    data = _bomb(f"<cp:keywords>qms-job:{job.public_id}</cp:keywords>".encode())
    result = report_verify(data=data)
    assert result.status == "modified" and result.job == job
