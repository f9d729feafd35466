"""One real sandbox for the engine tests that grade code end to end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graders.sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box
