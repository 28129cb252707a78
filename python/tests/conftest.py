"""Shared fixtures: Fashion-MNIST (Debian's dataset-fashion-mnist), a small CNN trained
once per session, its TorchScript file, and the advlab command line to compare with."""
import gzip
import os
import struct
import subprocess
from pathlib import Path

import pytest
import torch

FASHION_DIR = Path(os.environ.get("ADVLAB_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
REPO = Path(__file__).resolve().parents[2]


def read_idx(path):
    """uint8 tensor of an IDX file (gzip or not), as advlab's loader reads it."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def write_idx(path, tensor):
    """An uncompressed IDX file of a uint8 tensor."""
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, tensor.dim()))
        f.write(struct.pack(">" + "I" * tensor.dim(), *tensor.shape))
        f.write(tensor.contiguous().numpy().tobytes())


def pixels(raw):
    """Images in [0, 1] exactly as advlab's IDX loader makes them (pixel_tensor.cpp)."""
    return raw.to(torch.float32).div_(255.0).unsqueeze(1)


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(16, 32, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.classifier = torch.nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


@pytest.fixture(scope="session")
def fashion():
    if not (FASHION_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.fail(f"Fashion-MNIST not found in {FASHION_DIR} (apt-get install dataset-fashion-mnist)")
    return {
        "train_raw": read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz"),
        "train_labels": read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz").long(),
        "test_raw": read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz"),
        "test_labels": read_idx(FASHION_DIR / "t10k-labels-idx1-ubyte.gz").long(),
    }


def train_small_cnn(images, labels):
    """A SmallCnn trained for one pass over the images, batches of 100, seed 0 (also the
    benchmarks' model)."""
    torch.manual_seed(0)
    model = SmallCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for i in range(0, images.shape[0], 100):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(images[i:i + 100]), labels[i:i + 100]).backward()
        opt.step()
    return model.eval()


@pytest.fixture(scope="session")
def trained_cnn(fashion):
    """A small CNN trained for one pass over 20000 images (~88% test accuracy)."""
    return train_small_cnn(pixels(fashion["train_raw"][:20000]), fashion["train_labels"][:20000])


@pytest.fixture(scope="session")
def scripted(trained_cnn):
    return torch.jit.script(trained_cnn)


@pytest.fixture(scope="session")
def test_batch(fashion):
    """The first 64 test images and labels."""
    return pixels(fashion["test_raw"][:64]), fashion["test_labels"][:64]


@pytest.fixture(scope="session")
def cli():
    """The advlab command line built against the same LibTorch (ADVLAB_CLI, else
    build-pypi/advlab in the repository)."""
    path = os.environ.get("ADVLAB_CLI")
    if path:
        if not Path(path).is_file():
            pytest.fail(f"ADVLAB_CLI={path} does not exist")
    else:
        path = REPO / "build-pypi" / "advlab"
        if not path.is_file():
            pytest.skip("no advlab command line to compare with (set ADVLAB_CLI)")

    def run(*args, expect_ok=True):
        done = subprocess.run([str(path), "--quiet", "--threads", "1", *map(str, args)],
                              capture_output=True, text=True)
        if expect_ok and done.returncode != 0:
            raise AssertionError(f"advlab {' '.join(map(str, args))} failed: {done.stderr}")
        return done

    return run


@pytest.fixture
def one_thread():
    """Bitwise comparisons with the command line run both on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def cli_files(tmp_path_factory, scripted, fashion):
    """The model and the first 64 test images as files the command line reads."""
    d = tmp_path_factory.mktemp("cli")
    scripted.save(str(d / "model.pt"))
    write_idx(d / "images.idx", fashion["test_raw"][:64])
    write_idx(d / "labels.idx", fashion["test_labels"][:64].to(torch.uint8))
    return {"model": d / "model.pt", "data": f"idx:{d / 'images.idx'},{d / 'labels.idx'}"}
