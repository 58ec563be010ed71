"""Static files for production: WhiteNoise's compressed, hashed manifest storage.

The vendored Bootstrap and htmx builds end with `sourceMappingURL` comments for .map files that
are not shipped; Django's manifest storage would fail `collectstatic` on them. Those comments are
left as they are (a browser's dev tools then simply find no map); every other reference is hashed.
"""
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    kept = []
    for glob, rules in patterns:
        rules = tuple(rule for rule in rules
                      if "sourceMappingURL" not in (rule if isinstance(rule, str) else rule[0]))
        if rules:
            kept.append((glob, rules))
    return tuple(kept)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
