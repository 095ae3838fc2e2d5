"""Hostile and random npz files: each ends in one NpzError line naming the file, never a traceback.

Marked `faults`: `make test PYTEST="tests -m faults"` runs the fault suite on its own.
"""
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from components.npz_example_gen.mnist_npz import KEYS, NpzError, load_mnist

pytestmark = pytest.mark.faults


def forged(path: Path, shape: tuple[int, ...]) -> Path:
    """An npz whose x_train header claims `shape` of uint8 but holds no data."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", header.getvalue())
        for key in KEYS[1:]:
            stream = io.BytesIO()
            np.save(stream, np.zeros(2, np.uint8))
            archive.writestr(f"{key}.npy", stream.getvalue())
    return path


@pytest.mark.parametrize("shape", [(10**12, 28, 28), (2**62,), (60000, 28, 28)])
def test_header_claiming_more_than_it_holds_is_refused_before_allocating(tmp_path, shape):
    path = forged(tmp_path / "forged.npz", shape)
    with pytest.raises(NpzError) as refused:
        load_mnist(path)
    assert str(refused.value).startswith(f"{path}: x_train: header claims shape {shape}")


arrays_of_any_kind = npst.arrays(
    dtype=st.one_of(npst.integer_dtypes(), npst.unsigned_integer_dtypes(), npst.floating_dtypes(),
                    npst.boolean_dtypes(), npst.complex_number_dtypes(), npst.byte_string_dtypes(max_len=3)),
    shape=npst.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=30),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(contents=st.dictionaries(st.sampled_from([*KEYS, "extra", "x"]), arrays_of_any_kind, max_size=6))
def test_random_key_sets_dtypes_and_shapes_end_in_one_clear_line(contents):
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "random.npz"
        np.savez(path, **contents)
        try:
            load_mnist(path)
        except NpzError as error:
            message = str(error)
            assert "\n" not in message and message.startswith(f"{path}: ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(contents=st.fixed_dictionaries({key: arrays_of_any_kind for key in KEYS}))
def test_all_four_keys_with_random_arrays_end_in_one_clear_line_or_load(contents):
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "random.npz"
        np.savez(path, **contents)
        try:
            loaded = load_mnist(path)
        except NpzError as error:
            assert "\n" not in str(error) and str(error).startswith(f"{path}: ")
        else:  # only a real MNIST-shaped file loads
            assert loaded["x_train"].dtype == np.uint8 and loaded["x_train"].shape[1:] == (28, 28)
