"""Reading and checking an MNIST `.npz` (as `keras.datasets.mnist` ships it), as plain numpy.

    arrays = load_mnist("mnist.npz")       # {"x_train": (N, 28, 28) uint8, "y_train": (N,), ...}
    records = to_serialized_examples(arrays["x_train"], arrays["y_train"])

    with Npz("mnist.npz") as npz:          # the same checks, with images streamed in chunks
        for split, (images, labels) in open_mnist(npz).items():
            for x in npz.chunks(images, rows=10_000): ...

Every problem is one NpzError line naming the file, the key and what was expected. An array's zip
entry and .npy header are checked before any of its data is decompressed, so a file that claims
gigabytes is refused in milliseconds, and data is read a chunk of rows at a time.
"""
from __future__ import annotations

import io
import math
import zipfile
import zlib
from pathlib import Path
from typing import IO, Iterator, NamedTuple

import numpy as np

from tfxflow.components.errors import BadInput

IMAGE = "image"
LABEL = "label"
SPLITS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
KEYS = [key for pair in SPLITS.values() for key in pair]
IMAGE_SHAPE = (28, 28)
# Deflate spends at least 2 bits on a 258-byte match (RFC 1951), so no member inflates more than 1032:1.
_DEFLATE_MAX_RATIO = 1032
# What numpy.savez (stored) and savez_compressed (deflate) write; only for these is the ratio bounded.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error)
# Bytes read at a time when a whole array is read.
_PIECE = 1 << 24
# numpy refuses .npy headers over 10,000 characters, so this many bytes hold any header it reads.
_HEADER_LIMIT = 1 << 14


class NpzError(BadInput):
    """The file is not a usable MNIST npz; the message says where and what was expected."""


class Member(NamedTuple):
    """One array of an npz, its zip entry and .npy header checked, its data not yet read."""

    key: str
    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    dtype: np.dtype
    data_offset: int  # bytes of .npy header before the data


class Split(NamedTuple):
    """One split of an MNIST npz as open_mnist checked it."""

    images: Member  # uint8 (N, 28, 28), read with Npz.chunks
    labels: np.ndarray  # N integers 0-9, read and checked


class Npz:
    """An npz opened for checked reads in bounded memory (a local path, or a gs://, s3://... URI).

        with Npz("digits.npz") as npz:
            x = npz.member("x_test")                 # NpzError unless its zip entry and header are sound
            for images in npz.chunks(x, rows=1000):  # (<= 1000, 28, 28) arrays, read as needed
                ...
    """

    def __init__(self, path: str | Path):
        self.path = path
        try:
            self._file = _open(path)
        except FileNotFoundError:
            raise NpzError(f"{path}: no such file; expected an MNIST .npz") from None
        except OSError as error:
            raise NpzError(f"{path}: not a readable .npz file ({_one_line(error)})") from None
        try:
            self._zip, self._size = self._open_zip()
        except BaseException:
            self._file.close()
            raise
        self._names = set(self._zip.namelist())
        self.keys = [name.removesuffix(".npy") for name in self._zip.namelist()]

    def _open_zip(self) -> tuple[zipfile.ZipFile, int]:
        """The archive and the file's size in bytes."""
        try:
            self._file.seek(0, 2)
            size = self._file.tell()
            self._file.seek(0)
            single = self._file.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX
            archive = None if single else zipfile.ZipFile(self._file)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise NpzError(f"{self.path}: not a readable .npz file ({_one_line(error)})") from None
        if archive is None:
            raise NpzError(f"{self.path}: a single .npy array; expected an .npz archive with keys {', '.join(KEYS)}")
        return archive, size

    def __enter__(self) -> Npz:
        return self

    def __exit__(self, *_: object) -> None:
        self._zip.close()
        self._file.close()

    def member(self, key: str) -> Member:
        """The array `key` (member `key.npy`), refused unless its zip entry can be decompressed, declares
        sizes deflate can produce, and holds a numeric .npy whose header matches its size."""
        where, name = f"{self.path}: {key}:", f"{key}.npy"
        if name not in self._names:
            if key in self._names:
                raise NpzError(f"{where} a zip member named {key!r}; expected {name!r} (as numpy.savez names it)")
            raise NpzError(f"{where} not in the file; found {', '.join(self.keys) or 'no arrays'}")
        info = self._zip.getinfo(name)
        method = _METHODS.get(info.compress_type)
        if info.flag_bits & 0x1:
            raise NpzError(f"{where} encrypted; expected an unencrypted .npz")
        if method is None:
            raise NpzError(f"{where} zip compression method {info.compress_type}; expected stored or deflate "
                           "(as numpy.savez and savez_compressed write)")
        if info.header_offset + info.compress_size > self._size:
            raise NpzError(f"{where} zip entry declares {info.compress_size:,} compressed bytes at offset "
                           f"{info.header_offset:,} of a {self._size:,}-byte file; expected them inside the file")
        if method == "stored" and info.file_size != info.compress_size:
            raise NpzError(f"{where} stored zip entry declares {info.file_size:,} bytes but stores "
                           f"{info.compress_size:,}; expected equal sizes")
        if info.file_size > _DEFLATE_MAX_RATIO * info.compress_size:
            raise NpzError(f"{where} zip entry declares {info.file_size:,} bytes from {info.compress_size:,} "
                           f"compressed; expected at most {_DEFLATE_MAX_RATIO}:1, all deflate can produce")
        try:
            with self._zip.open(info) as stream:
                head = io.BytesIO(stream.read(_HEADER_LIMIT))  # a v2 header's length field could claim 4 GB
            version = np.lib.format.read_magic(head)
            shape, fortran_order, dtype = np.lib.format._read_array_header(head, version)  # noqa: SLF001
            data_offset = head.tell()
        except _READ_ERRORS as error:
            raise NpzError(f"{where} unreadable array header ({_one_line(error)})") from None
        if dtype.hasobject:
            raise NpzError(f"{where} an object array; expected a numeric array")
        claimed = math.prod(shape) * dtype.itemsize
        if min(shape, default=0) < 0 or data_offset + claimed != info.file_size:
            raise NpzError(
                f"{where} header claims shape {shape} of {dtype} ({claimed:,} bytes) but the array holds "
                f"{info.file_size - data_offset:,}; expected a consistent .npy"
            )
        if fortran_order and len(shape) > 1:
            raise NpzError(f"{where} stored in Fortran order; expected C order (numpy.save of a C-contiguous array)")
        return Member(key, info, shape, dtype, data_offset)

    def chunks(self, member: Member, rows: int) -> Iterator[np.ndarray]:
        """The array (a 0-d one as one row) as consecutive read-only pieces of at most `rows` rows,
        each decompressed when asked for: memory holds one piece. NpzError if the data is corrupt."""
        total, *row_shape = member.shape or (1,)
        row_bytes = math.prod(row_shape) * member.dtype.itemsize
        with self._zip.open(member.info) as stream:
            self._read(stream, member, member.data_offset)  # the .npy header, checked by member()
            for start in range(0, total, rows):
                count = min(rows, total - start)
                yield np.frombuffer(self._read(stream, member, count * row_bytes), member.dtype).reshape(
                    count, *row_shape)

    def read(self, member: Member) -> np.ndarray:
        """The whole array (at least 1-D, writable), filled a piece at a time: memory holds it once."""
        array = np.empty(member.shape, member.dtype)
        start = 0
        for piece in self.chunks(member, rows=max(1, _PIECE // max(1, array[:1].nbytes))):
            array[start : start + len(piece)] = piece
            start += len(piece)
        return array

    def _read(self, stream: IO[bytes], member: Member, size: int) -> bytes:
        try:
            data = stream.read(size)  # the last read also checks the member's CRC
        except _READ_ERRORS as error:
            raise NpzError(f"{self.path}: {member.key}: truncated or corrupt ({_one_line(error)})") from None
        if len(data) != size:
            raise NpzError(f"{self.path}: {member.key}: truncated: {len(data):,} of {size:,} bytes read; "
                           "expected the data its header claims")
        return data


def open_mnist(npz: Npz) -> dict[str, Split]:
    """Each split of an MNIST npz ("train", "test"), with every check that needs no image data done:
    all four zip entries and headers, image dtype and shape, then labels read whole and checked.

        images, labels = open_mnist(npz)["train"]   # NpzError (one line) for the first problem found
    """
    missing = [key for key in KEYS if key not in npz.keys]
    if missing:
        raise NpzError(f"{npz.path}: missing key(s) {', '.join(missing)}; expected {', '.join(KEYS)}")
    members = {key: npz.member(key) for key in KEYS}
    for x_key, y_key in SPLITS.values():
        check_images(npz.path, members[x_key])
        check_label_header(npz.path, members[y_key], members[x_key])
    splits = {}
    for split, (x_key, y_key) in SPLITS.items():
        labels = npz.read(members[y_key])
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high > 9:
            raise NpzError(f"{npz.path}: {y_key}: labels range over {low}..{high}; expected digits 0-9")
        splits[split] = Split(members[x_key], labels)
    return splits


def check_mnist(path: str | Path) -> None:
    """Raises NpzError unless `path` is an MNIST npz, by every check open_mnist makes: in milliseconds
    and bounded memory, whatever the file claims to hold."""
    with Npz(path) as npz:
        open_mnist(npz)


def load_mnist(path: str | Path) -> dict[str, np.ndarray]:
    """The four arrays of an MNIST npz, checked: uint8 N x 28 x 28 images, labels 0-9, equal counts."""
    with Npz(path) as npz:
        arrays = {}
        for (x_key, y_key), (images, labels) in zip(SPLITS.values(), open_mnist(npz).values()):
            arrays[x_key], arrays[y_key] = npz.read(images), labels
    return arrays


def check_images(path: str | Path, images: Member) -> None:
    """Raises NpzError unless the array's header says non-empty uint8 N x 28 x 28."""
    if images.dtype != np.uint8:
        raise NpzError(f"{path}: {images.key}: images have dtype {images.dtype}; expected uint8 pixels 0-255")
    if len(images.shape) != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise NpzError(f"{path}: {images.key}: shape {images.shape}; expected (N, 28, 28)")
    if images.shape[0] == 0:
        raise NpzError(f"{path}: {images.key}: no images; expected at least one")


def check_label_header(path: str | Path, labels: Member, images: Member) -> None:
    """Raises NpzError unless the array's header says one integer label per image."""
    if len(labels.shape) != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise NpzError(f"{path}: {labels.key}: {labels.dtype} array of shape {labels.shape}; "
                       "expected N integer labels")
    if labels.shape[0] != images.shape[0]:
        raise NpzError(f"{path}: {labels.key}: {labels.shape[0]} labels for {images.shape[0]} images in "
                       f"{images.key}; expected equal counts")


def to_serialized_examples(x: np.ndarray, y: np.ndarray | None = None) -> list[bytes]:
    """Serialized tf.Examples (`image`: 784 ints, `label`: 1 int unless y is None), in one vectorized call."""
    from tfxflow.components.npz_example_gen.examples import array_examples  # imports tfx_bsl: only when encoding

    return array_examples(x, y, IMAGE, LABEL)


def _open(path: str | Path) -> IO[bytes]:
    """A local path as a file; a URI (gs://, s3://, hdfs://, file://) as a seekable tf.io.gfile stream."""
    if "://" not in str(path):
        return open(path, "rb")
    import tensorflow as tf  # only for URIs: local reads stay free of TensorFlow

    if not tf.io.gfile.exists(str(path)):
        raise FileNotFoundError(path)
    return tf.io.gfile.GFile(str(path), "rb")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]
