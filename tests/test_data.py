"""MNIST for the course (helpers/kit/data.py): the download from mirrors, the cache, the
fallback to the offline sample, the validation split and the sample itself.

Nothing here uses the internet: downloads go to a real HTTP server on 127.0.0.1 started by the
tests, serving small fake IDX files, and a guard fails any connection to another host.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import ipaddress
import socket
import struct
import threading
import time

import numpy as np
import pytest

from helpers.kit import data
from helpers.kit.data import MNIST, fetch_mnist_files, load_mnist, read_idx, split_validation

# ---- fixtures: no internet, fake IDX files, a local mirror server --------------------------


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
    """An IDX file of unsigned bytes: 00 00 08 ndim, the sizes (big-endian), the values."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def fake_mnist(n_train=30, n_test=10, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(n_train, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.arange(n_test, dtype=np.uint8) % 10,
    }


ARRAYS = fake_mnist()
CONTENT = {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in ARRAYS.items()}
FILES = {name: hashlib.sha256(blob).hexdigest() for name, blob in CONTENT.items()}
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"


class MirrorServer:
    """An HTTP server on 127.0.0.1 with one folder per mirror: /<mirror>/<file name>.

    ``behaviour[mirror]`` is "ok" (the default), "404" or "corrupt" (a file with one byte
    changed). ``requests`` lists the (mirror, name) asked for.
    """

    def __init__(self):
        self.behaviour: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
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
                self.wfile.write(body)

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
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentMirror:
    """A server on 127.0.0.1 that accepts every connection and then never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):  # the listener was closed
            while True:
                self.accepted.append(self.listener.accept()[0])

    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/mnist/"

    def close(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        for sock in [self.listener, *self.accepted]:
            sock.close()


@pytest.fixture
def server():
    mirrors = MirrorServer()
    yield mirrors
    mirrors.close()


@pytest.fixture
def dead_url():
    """A port on 127.0.0.1 where nothing listens (connection refused): a mirror that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def local_mnist(monkeypatch, tmp_path, server):
    """load_mnist() pointed at the local mirror "a", the fake files and a fresh cache folder."""
    monkeypatch.setattr(data, "MIRRORS", (server.url("a"),))
    monkeypatch.setattr(data, "FILES", FILES)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "cache"))
    return server


def fetch(folder, mirrors, **kwargs):
    return fetch_mnist_files(folder, mirrors=mirrors, files=FILES, **kwargs)


def names_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---- the download and the cache -------------------------------------------------------------

def test_a_good_download_is_cached_and_then_read_with_no_network(tmp_path, server, dead_url):
    paths = fetch(tmp_path, [server.url("a")])
    assert server.count() == 4 and names_in(tmp_path) == sorted(FILES)
    again = fetch(tmp_path, [dead_url])  # the mirror is down now: the cache is enough
    assert again == paths and server.count() == 4
    np.testing.assert_array_equal(read_idx(paths[TRAIN_IMAGES]), ARRAYS[TRAIN_IMAGES])


def test_a_file_whose_hash_does_not_match_is_not_kept_and_the_next_mirror_is_tried(tmp_path,
                                                                                  server):
    server.behaviour["bad"] = "corrupt"
    paths = fetch(tmp_path, [server.url("bad"), server.url("good")])
    assert server.count("bad") == 4 and server.count("good") == 4
    assert names_in(tmp_path) == sorted(FILES)  # only the intact files, no leftovers
    assert all(hashlib.sha256(paths[n].read_bytes()).hexdigest() == FILES[n] for n in FILES)


def test_a_mirror_that_is_down_or_answers_404_is_skipped(tmp_path, server, dead_url):
    server.behaviour["gone"] = "404"
    fetch(tmp_path, [dead_url, server.url("gone"), server.url("good")])
    assert server.count("gone") == 4 and server.count("good") == 4


def test_a_damaged_file_in_the_cache_is_downloaded_again(tmp_path, server):
    fetch(tmp_path, [server.url("a")])
    (tmp_path / TRAIN_IMAGES).write_bytes(b"not what was downloaded")
    fetch(tmp_path, [server.url("a")])
    assert server.count() == 5  # only the damaged file again
    assert (tmp_path / TRAIN_IMAGES).read_bytes() == CONTENT[TRAIN_IMAGES]


def test_when_no_mirror_delivers_the_error_says_what_each_did_and_how_to_fix_it(tmp_path,
                                                                               server, dead_url):
    server.behaviour["bad"] = "corrupt"
    with pytest.raises(OSError) as info:
        fetch(tmp_path, [dead_url, server.url("bad")])
    text = str(info.value)
    assert text.startswith(f"{TRAIN_IMAGES} could not be downloaded:")
    assert dead_url + TRAIN_IMAGES in text
    assert "does not have the published SHA-256 (not kept)" in text
    assert "run `make data`" in text
    assert not (tmp_path / TRAIN_IMAGES).exists()


def test_a_mirror_that_never_answers_is_given_up_at_the_time_limit(tmp_path):
    silent = SilentMirror()
    try:
        start = time.monotonic()
        with pytest.raises(OSError, match=f"{TRAIN_IMAGES} could not be downloaded within 1 s"):
            fetch(tmp_path, [silent.url(), silent.url()], time_limit=1.0)
        assert time.monotonic() - start < 4
    finally:
        silent.close()


def test_load_mnist_full_reads_the_downloaded_files_as_unit_floats(local_mnist):
    mnist = load_mnist("full")
    assert mnist.source == "full"
    assert mnist.X_train.shape == (30, 784) and mnist.X_train.dtype == np.float32
    np.testing.assert_array_equal(mnist.X_train * np.float32(255),
                                  ARRAYS[TRAIN_IMAGES].reshape(30, 784).astype(np.float32))
    assert mnist.y_test.dtype == np.int64 and mnist.y_test.tolist() == list(range(10))


def test_load_mnist_auto_falls_back_to_the_sample_with_a_one_line_notice(monkeypatch, tmp_path,
                                                                         dead_url, capfd):
    monkeypatch.setattr(data, "MIRRORS", (dead_url, dead_url))
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    mnist = load_mnist("auto")
    assert mnist.source == "sample"
    out, err = capfd.readouterr()
    assert out == ""
    assert err == (f"MNIST could not be downloaded ({TRAIN_IMAGES} could not be downloaded); "
                   "using the 5,000-digit offline sample.\n")


def test_load_mnist_full_raises_when_nothing_can_be_had(monkeypatch, tmp_path, dead_url):
    monkeypatch.setattr(data, "MIRRORS", (dead_url,))
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(OSError, match="could not be downloaded"):
        load_mnist("full")


def test_the_environment_variable_moves_the_cache_folder(local_mnist, tmp_path):
    load_mnist("auto")
    assert data.cache_dir() == tmp_path / "cache"
    assert names_in(tmp_path / "cache") == sorted(FILES)


def test_helpers_mnist_source_sample_makes_auto_use_the_sample_without_a_request(
        local_mnist, monkeypatch):
    monkeypatch.setenv(data.SOURCE_ENV, "sample")
    assert load_mnist().source == "sample" and local_mnist.count() == 0
    assert load_mnist("full").source == "full"  # an explicit source wins


def test_a_bad_source_is_named_with_the_allowed_ones(monkeypatch):
    with pytest.raises(ValueError, match="source must be one of 'auto', 'full', 'sample'; "
                                         "got 'mnist'"):
        load_mnist("mnist")
    monkeypatch.setenv(data.SOURCE_ENV, "offline")
    with pytest.raises(ValueError, match="environment variable HELPERS_MNIST_SOURCE must be one "
                                         "of 'auto', 'full', 'sample'; got 'offline'"):
        load_mnist()


def test_read_idx_refuses_a_foreign_file_and_a_short_one(tmp_path):
    (tmp_path / "a.idx").write_bytes(b"\x00\x00\x0d\x01" + bytes(8))  # floats, not bytes
    with pytest.raises(ValueError, match="is not an IDX file of unsigned bytes"):
        read_idx(tmp_path / "a.idx")
    (tmp_path / "b.idx").write_bytes(idx_bytes(np.zeros((3, 4)))[:-2])
    with pytest.raises(ValueError, match=r"promises shape \(3, 4\), but 10 bytes follow"):
        read_idx(tmp_path / "b.idx")


def test_the_command_line_prints_the_cache_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.main(["--where"]) == 0
    assert capsys.readouterr().out == f"{tmp_path}\n"


# ---- the sample, MNIST and the validation split ---------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return load_mnist("sample")


def test_the_sample_file_holds_5000_digits_500_of_each_as_bytes():
    with np.load(data.SAMPLE_FILE) as f:
        assert {name: (f[name].shape, f[name].dtype) for name in f.files} == {
            "X_train": ((4000, 784), np.uint8), "y_train": ((4000,), np.uint8),
            "X_test": ((1000, 784), np.uint8), "y_test": ((1000,), np.uint8)}
        labels = np.concatenate([f["y_train"], f["y_test"]])
    np.testing.assert_array_equal(np.bincount(labels), [500] * 10)
    assert data.SAMPLE_FILE.stat().st_size < 1_000_000


def test_the_sample_loads_as_unit_floats_with_400_and_100_digits_per_class(sample):
    for X in (sample.X_train, sample.X_test):
        assert X.dtype == np.float32 and X.min() == 0 and X.max() == 1
    np.testing.assert_array_equal(np.bincount(sample.y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(sample.y_test), [100] * 10)
    assert sample.y_train.dtype == np.int64
    assert repr(sample) == "MNIST(source='sample', train: 4,000, test: 1,000)"


def test_split_validation_keeps_80_digits_of_each_class_apart_for_800(sample):
    split = split_validation(sample)
    np.testing.assert_array_equal(np.bincount(split.y_val), [80] * 10)
    assert split.X_train.shape == (3200, 784) and split.X_val.shape == (800, 784)
    assert split.X_test is sample.X_test  # the test digits are not touched
    rows = np.concatenate([split.X_train, split.X_val])  # the two parts: the training digits
    order = np.lexsort(rows.T)
    np.testing.assert_array_equal(rows[order], sample.X_train[np.lexsort(sample.X_train.T)])
    assert repr(split) == "MNIST(source='sample', train: 3,200, val: 800, test: 1,000)"


def test_split_validation_with_a_seed_is_the_split_of_the_old_package(sample):
    # the first validation digits and the sum of their indices, as /tmp/old's
    # helpers.data.stratified_split(y_train, 800, seed=0) chose them on this sample
    kept, apart = data.stratified_split(sample.y_train, 800, 0)
    assert apart[:5].tolist() == [2185, 885, 1361, 3407, 2714] and apart.sum() == 1658813
    assert kept[:5].tolist() == [3860, 1441, 278, 2897, 3328]
    np.testing.assert_array_equal(split_validation(sample).X_val, sample.X_train[apart])
    other = split_validation(sample, seed=1)
    assert not np.array_equal(other.y_val, split_validation(sample).y_val)


def test_split_validation_refuses_a_second_split(sample):
    with pytest.raises(ValueError, match="data already has validation digits"):
        split_validation(split_validation(sample))


def test_mnist_refuses_images_and_labels_of_different_lengths(sample):
    with pytest.raises(ValueError, match=r"X_train and y_train must hold one row per digit; got "
                                         r"X_train.shape=\(600, 784\) and y_train.shape=\(500,\)"):
        MNIST(sample.X_train[:600], sample.y_train[:500], sample.X_test, sample.y_test,
              "sample", "cut by hand")
