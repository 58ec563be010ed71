"""The demo templates' sample_data is the demo API's answer for the sample quarter, refreshed by a script."""
from __future__ import annotations

import json
import shutil

import pytest

from demo import sample_snapshot
from demo.sample_snapshot import CONTENT_DIR, SAMPLE_KEY, TEMPLATE_SLUGS, main, sample_data


@pytest.mark.parametrize("slug", TEMPLATE_SLUGS)
def test_shipped_sample_data_is_the_current_snapshot(slug):
    """Fails after a change to the demo data until `python -m demo.sample_snapshot --write` is run."""
    shipped = json.loads((CONTENT_DIR / f"{slug}.json").read_text(encoding="utf-8"))["sample_data"]
    assert shipped == sample_data(slug)


def test_write_replaces_only_the_sample_data_value(tmp_path, monkeypatch, capsys):
    for slug in TEMPLATE_SLUGS:
        shutil.copy(CONTENT_DIR / f"{slug}.json", tmp_path)
    before = {slug: (tmp_path / f"{slug}.json").read_text(encoding="utf-8") for slug in TEMPLATE_SLUGS}
    monkeypatch.setattr(sample_snapshot, "CONTENT_DIR", tmp_path)

    assert main(["--write"]) == 0

    for slug in TEMPLATE_SLUGS:
        after = (tmp_path / f"{slug}.json").read_text(encoding="utf-8")
        value_start = before[slug].index(SAMPLE_KEY) + len(SAMPLE_KEY)
        _, value_end = json.JSONDecoder().raw_decode(before[slug], value_start)
        # The spec and everything around sample_data's value stay byte for byte.
        assert after.startswith(before[slug][:value_start]) and after.endswith(before[slug][value_end:])
        written, original = json.loads(after), json.loads(before[slug])
        assert written["sample_data"] == sample_data(slug)
        assert {k: v for k, v in written.items() if k != "sample_data"} == {
            k: v for k, v in original.items() if k != "sample_data"}
    assert "wrote" in capsys.readouterr().out


def test_print_is_the_sample_data_json(capsys):
    assert main(["training-compliance"]) == 0
    assert json.loads(capsys.readouterr().out) == sample_data("training-compliance")
    with pytest.raises(SystemExit):
        main(["secrets"])
