"""Renderer base class, and the renderer of each output format as settings name it.

``settings.REPORTING_RENDERERS`` maps each format to the dotted path of its Renderer class; its order
is the order in which a job renders them (after django-sql-explorer's EXPLORER_DATA_EXPORTERS). A
renderer's module is imported when its format is first asked for, never by this module.
"""
from __future__ import annotations

import functools
from typing import BinaryIO, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from reporting.pipeline.context import ReportContext


class Renderer:
    name: ClassVar[str]
    content_type: ClassVar[str]
    file_extension: ClassVar[str]

    def render(self, context: ReportContext, out: BinaryIO) -> None:
        raise NotImplementedError


class UnknownFormat(KeyError):
    """An output format no renderer is configured for."""

    def __str__(self) -> str:  # the message itself, not KeyError's quoted repr of it
        return str(self.args[0])


def available_formats() -> list[str]:
    """The configured output formats, in render order."""
    return list(settings.REPORTING_RENDERERS)


def get_renderer(fmt: str) -> Renderer:
    """A new renderer for ``fmt``; UnknownFormat (a KeyError) names the known formats."""
    renderers = settings.REPORTING_RENDERERS
    try:
        path = renderers[fmt]
    except (KeyError, TypeError):
        raise UnknownFormat(f"unknown output format '{fmt}' (known: {', '.join(renderers)})") from None
    return renderer_class(path)()


@functools.cache
def renderer_class(path: str) -> type[Renderer]:
    """The Renderer class at dotted ``path``, imported once."""
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"REPORTING_RENDERERS: cannot import '{path}': {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Renderer)):
        raise ImproperlyConfigured(f"REPORTING_RENDERERS: '{path}' is not a Renderer subclass")
    return cls
