#!/usr/bin/env python3
"""How close advlab's and PyTorch's model passes run to the machine's matrix-multiply peak.

An attack's time is its passes times the cost of one pass; when both tools spend the same
passes (AutoAttack's recipe run in full on samples that stay robust), the speed-up between
them can be no larger than the ratio of their pass costs, and no pass can beat the floating
point work it has to do at the machine's peak. This prints, per image and at the same thread
count, the floating point operations of a forward pass and of a forward + input gradient
(counted by torch.utils.flop_counter on the TorchScript model), the time each tool takes for
them at batch 256 (advlab: `build/advlab_bench`'s ModelPass rows, 8-row calls as in its
attacks; PyTorch: one call of 256 rows, as torchattacks and AutoAttack run), the GFLOP/s
that makes, and a large single-precision matrix product's GFLOP/s as the peak.

    /var/cache/advlab/venv/bin/python bench/peers/pass_floor.py --threads 2

The advlab rows run the `small-cnn` architecture (untrained weights: the work is the same).
"""
import argparse
import json
import os
import subprocess
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

ROWS = 256


def best_seconds(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def flops_per_image(model, shape):
    x = torch.rand(1, *shape)
    with FlopCounterMode(display=False) as forward:
        model(x)
    x.requires_grad_(True)
    with FlopCounterMode(display=False) as gradient:  # .backward(): the counter cannot follow autograd.grad
        model(x).logsumexp(1).sum().backward()
    return forward.get_total_flops(), gradient.get_total_flops()


def torch_seconds(model, shape, repeats):
    x = torch.rand(ROWS, *shape)

    def forward():
        with torch.no_grad():
            model(x)

    def gradient():
        xg = x.clone().requires_grad_(True)
        torch.autograd.grad(model(xg).logsumexp(1).sum(), xg)

    return best_seconds(forward, repeats), best_seconds(gradient, repeats)


def matmul_gflops(repeats):
    a, b = torch.rand(2048, 2048), torch.rand(2048, 2048)
    return 2 * 2048**3 / best_seconds(lambda: a @ b, repeats) / 1e9


def advlab_seconds(bench, threads, pass_rows):
    cases = f"ModelPass(Forward|Query|GradientPass)/{pass_rows}/256/0$"
    out = subprocess.run([bench, f"--benchmark_filter={cases}", "--benchmark_format=json",
                          "--benchmark_repetitions=3"],
                         env={**os.environ, "ADVLAB_THREADS": str(threads)},
                         check=True, capture_output=True, text=True).stdout
    rows = json.loads(out[out.index("{"):])["benchmarks"]
    seconds = {}
    for row in rows:
        if row.get("aggregate_name") != "median":
            continue
        name = row["run_name"].split("/")[0].replace("BM_ModelPass", "")
        seconds[name] = row["real_time"] * {"us": 1e-6, "ms": 1e-3, "ns": 1e-9}[row["time_unit"]]
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bench", default="build/advlab_bench")
    parser.add_argument("--model", default="build/test-cache/fashion-small-cnn-v2.pt",
                        help="TorchScript small-cnn for the flop count and PyPI torch's times")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--pass-rows", type=int, default=16, choices=[0, 8, 16, 32, 64],
                        help="rows per model call in advlab's rows (advlab's --pass-rows; 0 = the whole batch)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = torch.jit.load(args.model).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    shape = (1, 28, 28)
    forward_flops, gradient_flops = flops_per_image(model, shape)
    peak = matmul_gflops(args.repeats)
    t_forward, t_gradient = torch_seconds(model, shape, args.repeats)
    mine = advlab_seconds(args.bench, args.threads, args.pass_rows)
    peak_after = matmul_gflops(args.repeats)  # the machine's speed can drift during the run

    print(f"torch {torch.__version__}, {args.threads} thread(s), {ROWS} images per timing, "
          f"advlab in calls of {args.pass_rows or ROWS} rows")
    print(f"work per image: forward {forward_flops / 1e6:.2f} MFLOP, forward + input gradient "
          f"{gradient_flops / 1e6:.2f} MFLOP; 2048^3 matrix product {peak:.1f} GFLOP/s "
          f"(again after: {peak_after:.1f})")
    print(f"{'pass':<36}{'ms/256':>9}{'GFLOP/s':>9}{'of peak':>9}")
    rows = [("torch, forward", t_forward, forward_flops),
            ("torch, forward + input gradient", t_gradient, gradient_flops),
            ("advlab, forward (model as loaded)", mine.get("Forward"), forward_flops),
            ("advlab, forward (frozen copy)", mine.get("Query"), forward_flops),
            ("advlab, gradient pass", mine.get("GradientPass"), gradient_flops)]
    for name, seconds, flops in rows:
        rate = ROWS * flops / seconds / 1e9
        print(f"{name:<36}{seconds * 1e3:>9.2f}{rate:>9.1f}{rate / max(peak, peak_after):>8.0%}")
    print(f"largest possible speed-up over torch at equal passes: forward "
          f"{t_forward / (ROWS * forward_flops / max(peak, peak_after) / 1e9):.2f}x, gradient pass "
          f"{t_gradient / (ROWS * gradient_flops / max(peak, peak_after) / 1e9):.2f}x")


if __name__ == "__main__":
    main()
