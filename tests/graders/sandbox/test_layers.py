"""A sandbox missing an isolation layer refuses to start unless the operator opts out."""

from __future__ import annotations

import logging

import pytest

from graders.sandbox import Sandbox, SandboxUnavailable

NO_LANDLOCK = {
    "layers": ["rlimits", "seccomp"],
    "missing": {"landlock": "Landlock ABI 0 found"},
    "threads": 1,
}


def test_it_refuses_to_start_without_a_layer_and_says_how_to_opt_out() -> None:
    sandbox = Sandbox()
    with pytest.raises(SandboxUnavailable) as refused:
        sandbox._check_layers(dict(NO_LANDLOCK))
    assert "landlock" in str(refused.value) and "allow_missing_layers" in str(refused.value)


def test_an_explicit_opt_out_runs_and_is_logged_loudly(caplog: pytest.LogCaptureFixture) -> None:
    sandbox = Sandbox(allow_missing_layers=frozenset({"landlock"}))
    with caplog.at_level(logging.CRITICAL, logger="graders.sandbox"):
        sandbox._check_layers(dict(NO_LANDLOCK))
    assert sandbox.layers == ("rlimits", "seccomp")
    assert any("SANDBOX LAYER OFF: landlock" in record.getMessage() for record in caplog.records)


def test_a_zygote_with_extra_threads_is_refused() -> None:
    with pytest.raises(SandboxUnavailable, match="threads"):
        Sandbox()._check_layers({"layers": [], "missing": {}, "threads": 3})


def test_an_unknown_layer_name_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="unknown sandbox layers"):
        Sandbox(allow_missing_layers=frozenset({"landlok"}))
