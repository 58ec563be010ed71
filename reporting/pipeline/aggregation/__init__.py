"""Aggregation stage: collect source data concurrently, with caching, retries and an SSRF guard.

Public API: :func:`collector.collect_sources`, :class:`collector.SourceRequest`,
:class:`config.SourceConfig`, :func:`cache.source_cache_clear`.
"""
