"""The wire format (autograder.checker.wire): what a probe's answer becomes on its way out of the student's
process, and what the grader reads back."""

from __future__ import annotations

import math

import torch

from autograder.checker.wire import MAX_TENSOR_ELEMENTS, Opaque, StudentError, decode, dumps, encode, error, loads


def round_trip(value):
    return decode(loads(dumps(encode(value))))


def test_tensors_keep_values_dtype_and_shape():
    for tensor in (
        torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7,
        torch.tensor([[1, 2]], dtype=torch.int64),
        torch.tensor(2.5, dtype=torch.float64),
        torch.zeros(0, 4),
        torch.tensor([True, False]),
    ):
        back = round_trip(tensor)
        assert back.dtype == tensor.dtype and back.shape == tensor.shape
        assert torch.equal(back, tensor)


def test_nan_and_infinities_survive_json():
    back = round_trip(torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0]))
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf and back[3] == 1.0
    assert b"NaN" not in dumps(encode(float("nan"))) and b"Infinity" not in dumps(encode([float("-inf")]))
    assert math.isnan(round_trip(float("nan"))) and round_trip(float("inf")) == math.inf


def test_nested_containers_come_back_as_lists_and_dicts():
    back = round_trip({"state": {"w": torch.ones(2)}, "pair": (1, [2.0, None]), 3: "x"})
    assert set(back) == {"state", "pair", "3"}  # JSON keys are text
    assert torch.equal(back["state"]["w"], torch.ones(2)) and back["pair"] == [1, [2.0, None]] and back["3"] == "x"


def test_an_error_travels_as_data():
    back = round_trip(error("ValueError", "bad " * 1000, "line 3: x = y"))
    assert isinstance(back, StudentError)
    assert (back.kind, back.where, len(back.message)) == ("ValueError", "line 3: x = y", 2000)


def test_what_is_not_numbers_is_named_not_sent():
    back = round_trip(len)
    assert isinstance(back, Opaque) and back.type_name == "builtin_function_or_method" and "len" in back.text
    huge = round_trip(torch.zeros(MAX_TENSOR_ELEMENTS + 1))
    assert isinstance(huge, Opaque) and "shape (200001,)" in huge.text


def test_a_repr_that_raises_is_still_named():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    back = round_trip(Hostile())
    assert isinstance(back, Opaque) and back.type_name == "Hostile"


def test_an_unknown_dtype_name_falls_back_to_float32():
    back = decode({"__tensor__": [1, 2], "dtype": "not_a_dtype", "shape": [2]})
    assert back.dtype == torch.float32 and back.tolist() == [1.0, 2.0]
