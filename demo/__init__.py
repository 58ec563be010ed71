"""Demo content: the demo analytics API, the demo templates and sources, and `seed_demo`.

Installed in development and tests (config.settings.local); production leaves it out.
"""
