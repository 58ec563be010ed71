"""Processing stage: QMS rules turning raw source payloads into KPIs, trends and summaries.

Public API: :func:`registry.run_processors`, :func:`registry.registered_processors`.
"""
