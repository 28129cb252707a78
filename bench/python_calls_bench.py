#!/usr/bin/env python3
"""Wall time and cores used by the Python module's calls: advlab.attack (PGD-40, APGD-T)
and advlab.evaluate (the standard suite), on a small CNN trained here on Fashion-MNIST
(one pass over 20000 images, as in docs/python.md's example).

    python bench/python_calls_bench.py [--images 1000] [--eval-images 100] [--threads 2]

"cores" is process CPU time over wall time: about the thread count when the passes run
side by side, 1 when they run on one core (docs/speed.md, session 23).
"""
import argparse
import sys
import time
from pathlib import Path

import torch

import advlab

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "tests"))
from conftest import FASHION_DIR, pixels, read_idx, train_small_cnn  # noqa: E402


def measured(name, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out, figure = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{name:44}{wall:9.1f}{cpu / wall:8.2f}  {figure}")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--eval-images", type=int, default=100)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model = train_small_cnn(pixels(read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz")[:20000]),
                            read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz")[:20000].long())
    x = pixels(read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz")[:args.images])
    y = read_idx(FASHION_DIR / "t10k-labels-idx1-ubyte.gz")[:args.images].long()
    scripted = torch.jit.script(model)
    xe, ye = x[:args.eval_images], y[:args.eval_images]

    print(f"torch {torch.__version__}, {args.threads} threads")
    print(f"{'call':44}{'seconds':>9}{'cores':>8}  result")
    measured(f"attack pgd L-inf 0.02, 40 steps, {len(x)} images", lambda: (
        r := advlab.attack(scripted, x, y, "pgd", norm="linf", eps=0.02, steps=40),
        f"success {r.success.float().mean():.3f}"))
    measured(f"attack apgd-t L-inf 0.05, {len(xe)} images", lambda: (
        r := advlab.attack(scripted, xe, ye, "apgd-t", norm="linf", eps=0.05),
        f"success {r.success.float().mean():.3f}"))
    measured(f"evaluate standard L-inf 0.05, {len(xe)} images", lambda: (
        r := advlab.evaluate(scripted, xe, ye, norm="linf", eps=[0.05], suite="standard"),
        f"robust accuracy {r.robust_accuracy[0.05]:.3f}"))


if __name__ == "__main__":
    main()
