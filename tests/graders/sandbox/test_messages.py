"""What the student reads about an error: their frames, no machine paths, links intact."""

from __future__ import annotations

from graders.sandbox.messages import scrub


def test_machine_paths_are_hidden_but_links_stay_readable():
    text = scrub(
        'File "/work/main/.venv/lib/python3.11/site-packages/numpy/__init__.py", line 3\n'
        "see https://numpy.org/devdocs/release/1.20.0-notes.html#deprecations"
    )
    assert "/work/main" not in text and "site-packages" not in text
    assert 'File "<path>"' in text
    assert "https://numpy.org/devdocs/release/1.20.0-notes.html#deprecations" in text
