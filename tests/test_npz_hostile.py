"""Hostile and random npz files: each ends in one NpzError line naming the file, never a traceback,
and the ones that claim gigabytes are refused in bounded time and memory.

Marked `faults`: `make test PYTEST="tests -m faults"` runs the fault suite on its own.
"""
import io
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from tfxflow.components.npz_example_gen.mnist_npz import KEYS, NpzError, load_mnist

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parent.parent
# A measured child's address space: a regression fails there with MemoryError, not on the shared machine.
CHILD_LIMIT = 1536 << 20
LOAD = """
import sys
from tfxflow.components.npz_example_gen.mnist_npz import NpzError, load_mnist
try:
    load_mnist(sys.argv[1])
except NpzError as error:
    sys.exit(str(error))
"""


def measured(code: str, *args: object, limit: int = CHILD_LIMIT) -> tuple[int, str, float, float]:
    """Runs `code` in a child Python limited to `limit` bytes of address space: (exit code, stderr, wall
    seconds, peak RSS in MB). The peak is the child's VmHWM: ru_maxrss would include the forking parent's."""
    with tempfile.TemporaryDirectory() as scratch:
        status, stderr = Path(scratch) / "status", Path(scratch) / "stderr"
        setup = (f"import atexit, resource\nresource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
                 f"atexit.register(lambda: open({str(status)!r}, 'w').write(open('/proc/self/status').read()))\n")
        started = time.perf_counter()
        with stderr.open("w") as errors:
            done = subprocess.run([sys.executable, "-c", setup + code, *map(str, args)], cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=errors)
        seconds = time.perf_counter() - started
        peak_kb = int(status.read_text().split("VmHWM:")[1].split()[0])
        return done.returncode, stderr.read_text(), seconds, peak_kb / 1024


def refused(path: Path) -> tuple[str, float, float]:
    """load_mnist(path) in a measured child: its one NpzError line, seconds and peak MB."""
    code, stderr, seconds, peak = measured(LOAD, path)
    assert code == 1 and len(stderr.splitlines()) == 1, stderr
    return stderr.strip(), seconds, peak


def npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


def streamed(path: Path, key: str, descr: str, shape: tuple[int, ...], zeros: int, claim: int = 0) -> Path:
    """An npz whose `key.npy` is a header claiming `shape` of `descr` and then `zeros` zero bytes, deflated as it
    is written (gigabytes cost seconds, not memory); its zip entry declares `claim` bytes if given. The other
    keys hold two uint8 zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"{key}.npy", "w", force_zip64=True) as stream:
            np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False, "shape": shape})
            block = bytes(1 << 22)
            for start in range(0, zeros, len(block)):
                stream.write(block[: min(len(block), zeros - start)])
        if claim:  # the local header's and (at close) the central directory's declared size
            info = archive.getinfo(f"{key}.npy")
            info.file_size = claim
            archive.fp.seek(info.header_offset)
            archive.fp.write(info.FileHeader(zip64=True))
            archive.fp.seek(archive.start_dir)
        for other in KEYS:
            if other != key:
                archive.writestr(f"{other}.npy", npy(np.zeros(2, np.uint8)))
    return path


def float64_zeros(path: Path, key: str, gigabytes: float) -> Path:
    """Images of float64 zeros, `gigabytes` of them: the 6.6 MB file of 6.3 GB, at any size."""
    n = int(gigabytes * 1e9) // (784 * 8)
    return streamed(path, key, "<f8", (n, 28, 28), n * 784 * 8)


def claiming(path: Path, key: str, gigabytes: float) -> Path:
    """About 40 KB whose `key` zip entry and .npy header both declare `gigabytes` of uint8 images."""
    n = int(gigabytes * 1e9) // 784
    return streamed(path, key, "|u1", (n, 28, 28), 40 << 20, claim=128 + n * 784)  # 128: the .npy header


def patched(path: Path, name: str, **fields: int) -> Path:
    """The zip with member `name`'s `flags` or `method` (compression) rewritten in its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    central = data.rfind(name.encode()) - 46  # the central directory, at the end, names it last
    offsets = {"flags": (6, 8), "method": (8, 10), "file_size": (22, 24), "compress_size": (18, 20)}
    for field, value in fields.items():
        for start, offset in zip((local, central), offsets[field]):
            struct.pack_into("<H" if field in ("flags", "method") else "<I", data, start + offset, value)
    path.write_bytes(bytes(data))
    return path


def mnist_like(path: Path, **members: bytes) -> Path:
    """An npz of the four keys holding two images each, with `members` (zip name -> bytes) instead."""
    contents = {f"{key}.npy": npy(np.zeros((2, 28, 28) if key.startswith("x") else 2, np.uint8)) for key in KEYS}
    contents.update(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


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


def test_gigabytes_of_compressed_float64_zeros_are_refused_by_their_header(tmp_path):
    path = float64_zeros(tmp_path / "zeros.npz", "x_train", gigabytes=0.4)  # a 0.4 MB file; 6.3 GB by hand
    message, seconds, peak = refused(path)
    assert message == f"{path}: x_train: images have dtype float64; expected uint8 pixels 0-255"
    assert seconds < 5 and peak < 300, (seconds, peak)


def test_a_zip_entry_claiming_20_gb_is_refused_before_decompressing(tmp_path):
    path = claiming(tmp_path / "claims.npz", "x_train", gigabytes=20)
    assert path.stat().st_size < 100_000
    message, seconds, peak = refused(path)
    assert message.startswith(f"{path}: x_train: zip entry declares 20,000,000,064 bytes from ")
    assert message.endswith("compressed; expected at most 1032:1, all deflate can produce")
    assert seconds < 5 and peak < 300, (seconds, peak)


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"flags": 0x1}, "x_train: encrypted; expected an unencrypted .npz"),
        ({"method": 99}, "x_train: zip compression method 99; expected stored or deflate (as numpy.savez and "
                         "savez_compressed write)"),
        ({"method": 12}, "x_train: zip compression method 12; expected stored or deflate"),
        ({"compress_size": 10**9}, "x_train: zip entry declares 1,000,000,000 compressed bytes at offset 0 of a "),
    ],
)
def test_zip_entries_that_cannot_be_read_as_numpy_writes_them(tmp_path, fields, expected):
    path = patched(mnist_like(tmp_path / "mnist.npz"), "x_train.npy", **fields)
    with pytest.raises(NpzError) as refused_:
        load_mnist(path)
    assert str(refused_.value).startswith(f"{path}: {expected}")


def test_a_stored_entry_must_store_what_it_declares(tmp_path):
    path = tmp_path / "stored.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.zeros(2, np.uint8))
    patched(path, "x_train.npy", file_size=10**9)
    with pytest.raises(NpzError) as refused_:
        load_mnist(path)
    assert str(refused_.value) == (f"{path}: x_train: stored zip entry declares 1,000,000,000 bytes but stores 1,696; "
                                   "expected equal sizes")


def test_a_member_named_without_npy_names_the_key(tmp_path):
    path = mnist_like(tmp_path / "mnist.npz", x_train=npy(np.zeros((2, 28, 28), np.uint8)))
    with zipfile.ZipFile(path) as archive:  # only the unsuffixed member: rebuild without x_train.npy
        members = {name: archive.read(name) for name in archive.namelist() if name != "x_train.npy"}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(NpzError) as refused_:
        load_mnist(path)
    assert str(refused_.value) == f"{path}: x_train: a zip member named 'x_train'; expected 'x_train.npy' (as " \
                                  "numpy.savez names it)"


def test_a_header_claiming_less_than_its_member_holds_is_refused(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (1, 28, 28)})
    path = mnist_like(tmp_path / "mnist.npz", **{"x_train.npy": header.getvalue() + bytes(2 * 784)})
    with pytest.raises(NpzError) as refused_:
        load_mnist(path)
    assert str(refused_.value) == (f"{path}: x_train: header claims shape (1, 28, 28) of uint8 (784 bytes) but the "
                                   "array holds 1,568; expected a consistent .npy")


def test_a_version_2_header_whose_length_claims_4_gb_is_refused_unread(tmp_path):
    header = np.lib.format.MAGIC_PREFIX + bytes([2, 0]) + struct.pack("<I", 2**32 - 1)
    path = mnist_like(tmp_path / "mnist.npz", **{"x_train.npy": header + bytes(50 << 20)})
    message, seconds, peak = refused(path)
    assert message.startswith(f"{path}: x_train: unreadable array header (EOF: reading array header, expected "
                              "4294967295 bytes got 16")  # no more than 16 KiB read
    assert seconds < 5 and peak < 300, (seconds, peak)


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


def test_fingerprinting_refuses_what_lies_about_its_sizes_instead_of_inflating_it(tmp_path):
    from tfxflow.components.input_fingerprint.fingerprints import content_digest

    path = claiming(tmp_path / "claims.npz", "x_train", gigabytes=20)
    started = time.perf_counter()
    with pytest.raises(NpzError, match="zip entry declares 20,000,000,064 bytes"):
        content_digest(str(path), "ingest.path")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("hostile", ["zeros", "claims"])
def test_a_run_on_a_hostile_npz_stops_before_any_component_with_one_line(tmp_path, hostile):
    """Checked by its headers before the run hashes it: not 6.3 GB inflated for a fingerprint first."""
    from conftest import TFXFLOW

    path = (float64_zeros(tmp_path / "zeros.npz", "x_train", gigabytes=0.4) if hostile == "zeros"
            else claiming(tmp_path / "claims.npz", "x_train", gigabytes=20))
    done = subprocess.run([TFXFLOW, "run", "pipelines/mnist.yaml", "--set", f"ingest.path={path}",
                           "--set", f"run.root={tmp_path / 'root'}"], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 2 and "started" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"{path}: x_train: ")
