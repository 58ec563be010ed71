"""The admin for data sources, templates and versions (each module registers its ModelAdmin)."""
from . import data_sources, templates, versions  # noqa: F401 (registers them)
