"""The renderer of each output format comes from settings.REPORTING_RENDERERS (dotted paths, in render order)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from reporting.pipeline.rendering import base
from reporting.pipeline.rendering.pdf import PdfRenderer
from reporting.pipeline.rendering.xlsx import XlsxRenderer
from tests.conftest import REPO_ROOT


def test_formats_and_renderers_are_the_settings_in_their_order(settings):
    assert settings.REPORTING_RENDERERS == {
        "pdf": "reporting.pipeline.rendering.pdf.PdfRenderer",
        "xlsx": "reporting.pipeline.rendering.xlsx.XlsxRenderer",
    }
    assert base.available_formats() == ["pdf", "xlsx"]
    assert type(base.get_renderer("pdf")) is PdfRenderer
    assert type(base.get_renderer("xlsx")) is XlsxRenderer

    settings.REPORTING_RENDERERS = {"xlsx": "reporting.pipeline.rendering.xlsx.XlsxRenderer"}
    assert base.available_formats() == ["xlsx"]
    with pytest.raises(base.UnknownFormat):
        base.get_renderer("pdf")


def test_each_call_gets_a_new_renderer_of_a_class_imported_once(monkeypatch):
    base.renderer_class.cache_clear()
    imported = []
    real_import = base.import_string
    monkeypatch.setattr(base, "import_string", lambda path: imported.append(path) or real_import(path))

    first, second = base.get_renderer("pdf"), base.get_renderer("pdf")

    assert first is not second and type(first) is type(second) is PdfRenderer
    assert imported == ["reporting.pipeline.rendering.pdf.PdfRenderer"]


@pytest.mark.parametrize("fmt", ["docx", "PDF", "", ["pdf"]])
def test_unknown_format_is_a_clear_key_error(fmt):
    with pytest.raises(base.UnknownFormat) as error:
        base.get_renderer(fmt)
    assert isinstance(error.value, KeyError)
    assert str(error.value) == f"unknown output format '{fmt}' (known: pdf, xlsx)"


@pytest.mark.parametrize(("path", "message"), [
    ("reporting.pipeline.rendering.pdf.NoSuchRenderer", "cannot import 'reporting.pipeline.rendering.pdf.NoSuchRenderer'"),
    ("reporting.pipeline.rendering.chartspec.ChartSpec", "'reporting.pipeline.rendering.chartspec.ChartSpec' is not a Renderer"),
])
def test_a_misconfigured_renderer_is_improperly_configured(settings, path, message):
    settings.REPORTING_RENDERERS = {"pdf": path}
    with pytest.raises(ImproperlyConfigured, match="REPORTING_RENDERERS") as error:
        base.get_renderer("pdf")
    assert message in str(error.value)


def test_the_registry_imports_no_renderer_until_one_is_asked_for():
    code = (
        "import sys, django; django.setup()\n"
        "from reporting.pipeline.rendering import base\n"
        "assert base.available_formats() == ['pdf', 'xlsx']\n"
        "loaded = [m for m in sys.modules if m.startswith(('reporting.pipeline.rendering.pdf', "
        "'reporting.pipeline.rendering.xlsx'))]\n"
        "assert not loaded, loaded\n"
        "base.get_renderer('xlsx')\n"
        "assert 'reporting.pipeline.rendering.xlsx.renderer' in sys.modules\n"
        "assert 'reporting.pipeline.rendering.pdf' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                            check=False,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert result.returncode == 0, result.stderr
