"""MNIST for the course: the full data set when it can be had, a 5,000-digit sample otherwise
(skip this file: it is plumbing).

``load_mnist()`` is the one function the notebooks call. It returns images as float32 grey levels
in [0, 1], one image per row (n, 784), and integer labels 0-9. The digits are by Yann LeCun,
Corinna Cortes and Christopher J. C. Burges, under the Creative Commons Attribution-Share Alike
3.0 licence (CC BY-SA 3.0).

- **Full MNIST** (60,000 training and 10,000 test images): the four standard IDX files,
  downloaded once by ``pooch`` from the first mirror in ``MIRRORS`` that delivers a file with
  the published SHA-256 (pooch writes to a temporary file and moves it into place only when
  the hash matches), then read from the cache folder (``python -m helpers.kit.data --where``;
  the environment variable ``HELPERS_DATA_DIR`` moves it) with no network at all.
- **Offline sample**: 5,000 real MNIST training digits (500 per class), shipped in this package
  as ``mnist_sample.npz`` (830 kB), split 4,000 / 1,000 into training and test digits,
  stratified by class with seed 0. Tests and CI use it; ``load_mnist()`` falls back to it, with
  one line saying why, when the full set is neither cached nor downloadable within 8 seconds.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pooch

from helpers.kit.checks import check_choice, check_int

SOURCES = ("auto", "full", "sample")
DATA_DIR_ENV = "HELPERS_DATA_DIR"  # the folder that holds the MNIST files
SOURCE_ENV = "HELPERS_MNIST_SOURCE"  # "sample" makes load_mnist() use the sample (tests, CI)
SAMPLE_FILE = Path(__file__).with_name("mnist_sample.npz")
MIRRORS = (  # tried in this order
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
FILES = {  # name -> SHA-256, as published in TensorFlow Datasets' url_checksums/mnist.txt
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
TIME_LIMIT_AUTO = 8.0  # seconds for the whole download when load_mnist() may fall back
TIME_LIMIT_FULL = 600.0  # seconds for load_mnist("full") and --download
FIX = "`make data` (or `python -m helpers.kit.data --download`)"


@dataclass(repr=False)
class MNIST:
    """Digits as rows: X_* (n, 784) float32 in [0, 1], y_* (n,) int64 labels 0-9.

    source: "full" or "sample"; description: one line saying what the data are. X_val, y_val:
    None until ``split_validation`` keeps some training digits apart.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    description: str
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    def __post_init__(self):
        for part in ("train", "val", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if X is not None and len(X) != len(y):
                raise ValueError(f"X_{part} and y_{part} must hold one row per digit; got "
                                 f"X_{part}.shape={np.shape(X)} and y_{part}.shape={np.shape(y)}")

    def __repr__(self) -> str:
        sizes = ", ".join(f"{part}: {len(getattr(self, f'y_{part}')):,}"
                          for part in ("train", "val", "test")
                          if getattr(self, f"y_{part}") is not None)
        return f"MNIST(source={self.source!r}, {sizes})"


def load_mnist(source: str = "auto") -> MNIST:
    """MNIST from ``source``: "full" (cached or downloaded), "sample" (the 5,000 digits shipped
    here) or "auto" (full if it can be had within a few seconds, else the sample, with a notice).

    The environment variable HELPERS_MNIST_SOURCE=sample turns "auto" into "sample" (the tests).
    """
    check_choice("source", source, SOURCES)
    if source == "auto" and os.environ.get(SOURCE_ENV):
        source = check_choice(f"environment variable {SOURCE_ENV}", os.environ[SOURCE_ENV],
                              SOURCES)
    if source == "sample":
        return _load_sample()
    logger = pooch.get_logger()
    level = logger.level
    if source == "auto":
        logger.setLevel("WARNING")  # one notice below, not pooch's line for every mirror tried
    try:
        paths = fetch_mnist_files(cache_dir(), time_limit=TIME_LIMIT_FULL if source == "full"
                                  else TIME_LIMIT_AUTO)
    except OSError as exc:
        if source == "full":
            raise
        print(f"MNIST could not be downloaded ({exc.args[0].splitlines()[0].rstrip(':')}); "
              "using the 5,000-digit offline sample.", file=sys.stderr)
        return _load_sample()
    finally:
        logger.setLevel(level)
    X_train, X_test = (read_idx(paths[f"{p}-images-idx3-ubyte.gz"]) for p in ("train", "t10k"))
    y_train, y_test = (read_idx(paths[f"{p}-labels-idx1-ubyte.gz"]) for p in ("train", "t10k"))
    return MNIST(_unit(X_train), y_train.astype(np.int64), _unit(X_test), y_test.astype(np.int64),
                 "full", "full MNIST: 60,000 training and 10,000 test digits")


def _unit(pixels: np.ndarray) -> np.ndarray:
    """Grey levels 0..255 -> float32 in [0, 1], one image per row."""
    return np.divide(pixels.reshape(len(pixels), -1), np.float32(255), dtype=np.float32)


def _load_sample() -> MNIST:
    with np.load(SAMPLE_FILE) as f:
        parts = {name: f[name] for name in f.files}
    return MNIST(_unit(parts["X_train"]), parts["y_train"].astype(np.int64), _unit(parts["X_test"]),
                 parts["y_test"].astype(np.int64), "sample",
                 "offline sample: 4,000 training and 1,000 test digits (5,000 MNIST digits, "
                 "500 of each, split with seed 0)")


def split_validation(data: MNIST, n_val: int = 800, seed: int = 0) -> MNIST:
    """Keep ``n_val`` training digits apart for validation, each class in proportion (the same
    ``seed``, the same split). The test digits are unchanged; they are scored once, at the end."""
    if not isinstance(data, MNIST):
        raise TypeError(f"data must be an MNIST from load_mnist(); got {type(data).__name__}")
    if data.X_val is not None:
        raise ValueError("data already has validation digits (split_validation was called "
                         "on it before)")
    n_val = check_int("n_val", n_val, low=1, high=len(data.y_train) - 1)
    train_idx, val_idx = stratified_split(data.y_train, n_val, check_int("seed", seed, low=0))
    return MNIST(data.X_train[train_idx], data.y_train[train_idx], data.X_test, data.y_test,
                 data.source, f"{data.description}; {n_val:,} training digits kept for "
                 f"validation (seed {seed})", data.X_train[val_idx], data.y_train[val_idx])


def stratified_split(y: np.ndarray, n_apart: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, apart): about ``n_apart`` examples apart, each class in proportion, both
    shuffled with ``seed``."""
    rng = np.random.default_rng(seed)
    apart = np.concatenate([rng.choice(members, size=round(len(members) * n_apart / len(y)),
                                       replace=False)
                            for members in (np.flatnonzero(y == c) for c in np.unique(y))])
    kept = np.setdiff1d(np.arange(len(y)), apart)
    return rng.permutation(kept), rng.permutation(apart)


# ---- the full set: download, check, cache --------------------------------------------------

def cache_dir() -> Path:
    """Where the MNIST files live: $HELPERS_DATA_DIR, or the operating system's cache folder."""
    folder = os.environ.get(DATA_DIR_ENV)
    return Path(folder).expanduser() if folder else Path(pooch.os_cache("nn-course")) / "mnist"


def fetch_mnist_files(folder, *, mirrors=None, files=None, time_limit=TIME_LIMIT_FULL,
                      progressbar=False) -> dict[str, Path]:
    """Every file of ``files`` (name -> SHA-256; default ``FILES``) in ``folder`` with its hash:
    a cached file that matches is used as it is; a missing one is downloaded from the first of
    ``mirrors`` (default ``MIRRORS``) that delivers it intact. Raises OSError, saying what each
    mirror did, when a file cannot be had within ``time_limit`` seconds in all."""
    files = FILES if files is None else files
    mirrors = MIRRORS if mirrors is None else mirrors
    folder = Path(folder)
    deadline = time.monotonic() + time_limit
    paths, failures = {}, []
    for name, sha256 in files.items():
        for url in mirrors:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                paths[name] = Path(pooch.retrieve(
                    url + name, known_hash=f"sha256:{sha256}", fname=name, path=folder,
                    downloader=pooch.HTTPDownloader(timeout=min(left, 20.0),
                                                    progressbar=progressbar)))
                break
            except Exception as exc:  # noqa: BLE001 - any failure: say so and try the next mirror
                failures.append(f"{url}{name}: {_reason(exc)}")
        if name not in paths:
            out_of_time = "" if time.monotonic() < deadline else f" within {time_limit:g} s"
            raise OSError(f"{name} could not be downloaded{out_of_time}:\n  " +
                          "\n  ".join(failures) + f"\nCheck the connection and run {FIX}.")
    return paths


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "hash" in text.lower() and "match" in text.lower():
        return "the file it sent does not have the published SHA-256 (not kept)"
    return text[:160]


def read_idx(path) -> np.ndarray:
    """A (gzipped) IDX file as a uint8 array: two zero bytes, type 0x08, the number of dimensions
    d, d big-endian 4-byte sizes, then the values in row-major order."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if values.size != np.prod(shape):
        raise ValueError(f"{path}: its header promises shape {shape}, but {values.size:,} "
                         "bytes follow")
    return values.reshape(shape)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.kit.data",
                                     description="Full MNIST for the course.")
    parser.add_argument("--download", action="store_true", help="download full MNIST now")
    parser.add_argument("--where", action="store_true", help="print the cache folder")
    args = parser.parse_args(argv)
    if args.where or not args.download:
        print(cache_dir())
    if args.download:
        try:
            fetch_mnist_files(cache_dir(), progressbar=True)
        except OSError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"full MNIST is in {cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
