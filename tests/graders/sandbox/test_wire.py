"""The wire format rebuilds only plain arrays and refuses anything it was not built for."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from graders.sandbox import wire
from graders.sandbox.results import read_frames


def roundtrip(value: object) -> object:
    buffers: list[memoryview] = []
    tree = wire.encode_tree(value, buffers)
    frames, clean = wire.unpack(wire.pack({"value": tree}, buffers))
    assert clean
    header, raw = frames[0]
    return wire.decode_tree(header["value"], raw)


def forged(header: dict, *buffers: bytes) -> bytes:
    header = dict(header, buffers=[len(b) for b in buffers])
    body = json.dumps(header).encode()
    return wire.MAGIC + struct.pack("<I", len(body)) + body + b"".join(buffers)


def test_arrays_come_back_equal_fresh_and_writable() -> None:
    sent = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]
    got = roundtrip(sent)
    assert type(got) is np.ndarray and got.dtype == np.float32 and got.flags.writeable
    np.testing.assert_array_equal(got, sent)


def test_nan_and_infinity_survive_as_floats_and_in_arrays() -> None:
    got = roundtrip((float("nan"), float("inf"), np.array([np.nan, -np.inf])))
    assert np.isnan(got[0]) and got[1] == float("inf")
    assert np.isnan(got[2][0]) and got[2][1] == -np.inf


def test_it_refuses_to_encode_an_object_array() -> None:
    with pytest.raises(wire.WireError):
        wire.encode_tree(np.array([object()], dtype=object), [])


def test_it_refuses_to_encode_an_ndarray_subclass() -> None:
    class Sub(np.ndarray):
        pass

    with pytest.raises(wire.WireError):
        wire.encode_tree(np.zeros(2).view(Sub), [])


@pytest.mark.parametrize("dtype", ["|O", "<c16", "<U4", "<M8[s]", ">f8", "|V8"])
def test_it_refuses_a_forged_array_of_a_disallowed_dtype(dtype: str) -> None:
    tree = {"nd": 0, "dtype": dtype, "shape": [1]}
    with pytest.raises(wire.WireError):
        wire.decode_tree(tree, [b"\0" * 16])


def test_it_refuses_a_forged_shape_that_does_not_match_the_bytes() -> None:
    with pytest.raises(wire.WireError):
        wire.decode_tree({"nd": 0, "dtype": "<f8", "shape": [1000000]}, [b"\0" * 8])


def test_it_refuses_a_reference_to_a_missing_buffer() -> None:
    with pytest.raises(wire.WireError):
        wire.decode_tree({"nd": 3, "dtype": "<f8", "shape": [1]}, [b"\0" * 8])


def test_a_truncated_stream_keeps_the_whole_frames_before_it() -> None:
    first = forged(
        {"type": "call", "name": "a", "ok": True, "value": {"nd": 0, "dtype": "<f8", "shape": [1]}},
        b"\0" * 8,
    )
    calls, final, problem = read_frames(first + first[:10], ["a", "b"])
    assert [c.name for c in calls] == ["a"]
    assert final is None and problem == "the result was cut off"


def test_a_call_frame_claiming_a_python_object_is_malformed() -> None:
    frame = forged({"type": "call", "name": "a", "ok": True, "value": {"map": {"x": 1}}})
    calls, final, problem = read_frames(frame, ["a"])
    assert calls == [] and final is None and problem is not None


def test_an_unknown_status_is_malformed() -> None:
    frame = forged({"type": "status", "status": "graded_perfect", "message": ""})
    _, final, problem = read_frames(frame, ["a"])
    assert final is None and problem == "malformed status"


def test_a_frame_for_a_call_that_was_not_made_is_malformed() -> None:
    value = {"nd": 0, "dtype": "<f8", "shape": [1]}
    frame = forged({"type": "call", "name": "extra", "ok": True, "value": value}, b"\0" * 8)
    calls, _, problem = read_frames(frame, ["a"])
    assert calls == [] and problem is not None and "not made" in problem


def test_more_call_frames_than_calls_are_malformed() -> None:
    value = {"nd": 0, "dtype": "<f8", "shape": [1]}
    frame = forged({"type": "call", "name": "a", "ok": True, "value": value}, b"\0" * 8)
    calls, _, problem = read_frames(frame * 3, ["a"])
    assert len(calls) == 1 and problem is not None


@pytest.mark.parametrize("shape", [(), (0,), (0, 4), (3, 0, 2)])
def test_zero_dimensional_and_empty_arrays_keep_their_shape(shape: tuple[int, ...]) -> None:
    sent = np.zeros(shape, dtype=np.float64)
    got = roundtrip(sent)
    assert type(got) is np.ndarray and got.shape == shape
