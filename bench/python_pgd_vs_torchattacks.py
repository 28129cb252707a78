#!/usr/bin/env python3
"""advlab.attack("pgd") against torchattacks.PGD: robust accuracy and images per second at
the same budget, on a small CNN trained here on Fashion-MNIST (Debian's dataset package).

    python bench/python_pgd_vs_torchattacks.py [--images 1000] [--steps 40] [--threads 2]
"""
import argparse
import sys
import time
from pathlib import Path

import torch
import torchattacks

import advlab

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "tests"))
from conftest import FASHION_DIR, pixels, read_idx, train_small_cnn  # noqa: E402


def timed(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--eps", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    train_x = pixels(read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz")[:20000])
    train_y = read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz")[:20000].long()
    model = train_small_cnn(train_x, train_y)
    x = pixels(read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz")[:args.images])
    y = read_idx(FASHION_DIR / "t10k-labels-idx1-ubyte.gz")[:args.images].long()
    scripted = torch.jit.script(model)
    alpha = 2.5 * args.eps / args.steps

    def robust(adv):
        with torch.no_grad():
            return (model(adv).argmax(1) == y).float().mean().item()

    pgd = torchattacks.PGD(model, eps=args.eps, alpha=alpha, steps=args.steps, random_start=True)
    t_theirs, adv_theirs = timed(lambda: pgd(x, y), args.repeats)
    t_ours, result = timed(lambda: advlab.attack(scripted, x, y, "pgd", norm="linf", eps=args.eps,
                                                 steps=args.steps, step_size=alpha, batch_size=256),
                           args.repeats)
    with torch.no_grad():
        clean = (model(x).argmax(1) == y).float().mean().item()
    print(f"torch {torch.__version__}, {args.threads} threads, {args.images} images, L-inf eps {args.eps}, "
          f"{args.steps} steps, step {alpha:g}; clean accuracy {clean:.3f}")
    print(f"{'':14}{'robust acc':>12}{'seconds':>10}{'images/s':>10}")
    for name, t, adv in (("torchattacks", t_theirs, adv_theirs), ("advlab", t_ours, result.adversarials)):
        print(f"{name:14}{robust(adv):12.3f}{t:10.2f}{args.images / t:10.1f}")
    print(f"advlab/torchattacks speed: {t_theirs / t_ours:.2f}x")


if __name__ == "__main__":
    main()
