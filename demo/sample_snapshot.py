"""The demo templates' sample data: a snapshot of the demo API for a fixed, past quarter.

    python -m demo.sample_snapshot monthly-quality          # prints that template's sample_data JSON
    python -m demo.sample_snapshot --write                  # rewrites the "sample_data" value of every
                                                            # demo template file, nothing else

The quarter is in the past, so the snapshot does not change from one day to the next.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from .api_data import ALL_DEPARTMENTS, demo_payload

CONTENT_DIR = Path(__file__).resolve().parent / "content"
TEMPLATE_SLUGS = ("monthly-quality", "training-compliance")
SAMPLE_START, SAMPLE_END = date(2026, 1, 1), date(2026, 3, 31)
SAMPLE_KEY = '\n  "sample_data": '


def sample_data(slug: str, *, today: date | None = None) -> dict[str, Any]:
    """{source: demo payload} for every source the template's spec lists, for the sample quarter, All."""
    spec = json.loads((CONTENT_DIR / f"{slug}.json").read_text(encoding="utf-8"))["spec"]
    return {entry["source"]: demo_payload(entry["source"], start=SAMPLE_START, end=SAMPLE_END,
                                          department=ALL_DEPARTMENTS, today=today)
            for entry in spec["sources"]}


def write_sample_data(slug: str) -> Path:
    """Replace only the text of the file's top-level "sample_data" value; every other byte stays."""
    path = CONTENT_DIR / f"{slug}.json"
    text = path.read_text(encoding="utf-8")
    key = text.find(SAMPLE_KEY)
    if key < 0 or text.find(SAMPLE_KEY, key + 1) >= 0:
        raise SystemExit(f"{path}: expected one line starting {SAMPLE_KEY.strip()!r}")
    value_start = key + len(SAMPLE_KEY)
    _, value_end = json.JSONDecoder().raw_decode(text, value_start)
    # The style of the files (json.dumps indent=2): the value's lines indented one level, as the key.
    value = json.dumps(sample_data(slug), ensure_ascii=False, indent=2).replace("\n", "\n  ")
    updated = text[:value_start] + value + text[value_end:]
    json.loads(updated)  # still one JSON document
    path.write_text(updated, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slugs", nargs="*", metavar="slug",
                        help=f"demo template(s): {', '.join(TEMPLATE_SLUGS)} (default: all)")
    parser.add_argument("--write", action="store_true", help="rewrite the sample_data of the template files")
    args = parser.parse_args(argv)
    unknown = [s for s in args.slugs if s not in TEMPLATE_SLUGS]
    if unknown:
        parser.error(f"unknown demo template(s) {', '.join(unknown)}; known: {', '.join(TEMPLATE_SLUGS)}")
    for slug in args.slugs or TEMPLATE_SLUGS:
        if args.write:
            print(f"wrote {write_sample_data(slug)}")
        else:
            print(json.dumps(sample_data(slug), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
