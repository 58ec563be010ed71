"""Renderer base class and the registry keyed by format (after django-sql-explorer's exporters)."""
from __future__ import annotations

from typing import BinaryIO, ClassVar

from reporting.pipeline.context import ReportContext


class Renderer:
    name: ClassVar[str]
    content_type: ClassVar[str]
    file_extension: ClassVar[str]

    def render(self, context: ReportContext, out: BinaryIO) -> None:
        raise NotImplementedError


_REGISTRY: dict[str, type[Renderer]] = {}


def register(renderer_cls: type[Renderer]) -> type[Renderer]:
    _REGISTRY[renderer_cls.name] = renderer_cls
    return renderer_cls


def get_renderer(fmt: str) -> Renderer:
    from reporting.pipeline.rendering import pdf, xlsx  # noqa: F401  (registers them)

    try:
        return _REGISTRY[fmt]()
    except KeyError:
        raise KeyError(f"unknown output format '{fmt}' (known: {', '.join(sorted(_REGISTRY))})") from None


def available_formats() -> list[str]:
    from reporting.pipeline.rendering import pdf, xlsx  # noqa: F401

    return sorted(_REGISTRY)
