#!/usr/bin/env python3
"""Peer minimum-norm attacks (adv-lib, the strongest library in AttackBench, or torchattacks'
SparseFool, JSMA, EAD and DeepFool with `--library torchattacks`) on the same
TorchScript model and images as `advlab bench-attacks`, written as an attack_bench.json
that `bench/merge_attack_bench.py` merges with advlab's runs: each advlab attack's
optimality is then measured against the per-sample best of advlab's and the peer's attacks.

    /var/cache/advlab/venv/bin/python bench/peers/minimum_norm_peers.py \
        --model build/test-cache/fashion-small-cnn-v2.pt --norm l2 --limit 64 --out /tmp/peers-l2
    build/advlab --threads 1 bench-attacks --model build/test-cache/fashion-small-cnn-v2.pt \
        --norm l2 --limit 64 --out /tmp/advlab-l2
    python3 bench/merge_attack_bench.py advlab=/tmp/advlab-l2 adv-lib=/tmp/peers-l2

adv-lib from PyPI: `pip install --no-deps adv-lib` in the venv that has torch (its other
requirements, visdom among them, serve its training tools only; see import_adv_lib).

Images: the first N of the test split (Fashion-MNIST's IDX files, or `--cifar FILE`, a
CIFAR-10 binary batch as `--data cifar10:...:test` reads it), in [0, 1], as advlab reads them.
Each peer runs at AttackBench's budget of about 2000 propagations per sample (forward and
backward rows through the model, counted by a wrapper and reported). A sample's distance is
the smallest over the peer's returned adversarial and every adversarial the wrapper saw in
a full-batch call (AttackBench's best-seen tracking; advlab's bench does the same), each
checked by a fresh forward pass; 0 for clean errors, None where nothing was found. Outputs
outside [0, 1] are counted as box failures, then clipped to the box and judged as clipped
(torchattacks' EAD overshoots by float rounding, 1e-6). L0
counts the entries that changed by more than 1e-6 (float noise is not held against a peer).
"""
import argparse
import json
import math
import sys
import time
import types
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_speed import test_images  # noqa: E402  (same images as the speed comparison)


def import_adv_lib():
    # adv-lib imports visdom for its training-curve logger only, which no attack here uses;
    # visdom does not build on this Python, so an empty module stands in for it.
    sys.modules.setdefault("visdom", types.ModuleType("visdom"))
    import adv_lib.attacks as attacks
    return attacks


def cifar_images(path, n):
    raw = Path(path).read_bytes()
    rec = 1 + 3 * 32 * 32
    count = min(n, len(raw) // rec)
    data = torch.frombuffer(bytearray(raw[:count * rec]), dtype=torch.uint8).view(count, rec)
    return data[:, 1:].reshape(count, 3, 32, 32).float().div(255.0), data[:, 0].long()


def distance(x, x0, norm):
    d = (x - x0).flatten(1)
    if norm == "l0":
        return (d.abs() > 1e-6).sum(1).float()
    if norm == "l1":
        return d.abs().sum(1)
    if norm == "l2":
        return d.norm(dim=1)
    return d.abs().amax(1)


class _CountBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, counter):
        ctx.counter = counter
        return logits.view_as(logits)

    @staticmethod
    def backward(ctx, grad):
        ctx.counter["backward"] += grad.shape[0]
        return grad, None


class Tracked(torch.nn.Module):
    """Counts propagations and keeps each sample's smallest adversarial seen in full-batch calls."""

    def __init__(self, model, x0, y, norm):
        super().__init__()
        self.model, self.x0, self.y, self.norm = model, x0, y, norm
        self.counter = {"forward": 0, "backward": 0}
        self.best = torch.full((len(y),), math.inf)

    def forward(self, x):
        logits = self.model(x)
        self.counter["forward"] += x.shape[0]
        if x.shape[0] == len(self.y):
            with torch.no_grad():
                adv = logits.argmax(1) != self.y
                d = distance(x.detach(), self.x0, self.norm)
                self.best = torch.where(adv, torch.minimum(self.best, d), self.best)
        return _CountBackward.apply(logits, self.counter) if torch.is_grad_enabled() else logits


def peer_table(attacks, norm):
    """name: call(model, x, y) at about 2000 propagations per sample (AttackBench's budget)."""
    p = {"l0": 0, "l1": 1, "l2": 2, "linf": float("inf")}[norm]
    table = {
        "fmn": lambda m, x, y: attacks.fmn(m, x, y, norm=p, steps=1000),
    }
    if norm == "l0" and hasattr(attacks, "sigma_zero"):
        table["sigma-zero"] = lambda m, x, y: attacks.sigma_zero(m, x, y, num_steps=1000)
    if norm in ("l1", "l2"):
        table["alma"] = lambda m, x, y: attacks.alma(m, x, y, distance=norm, num_steps=1000)
    if norm == "l2":
        table["ddn"] = lambda m, x, y: attacks.ddn(m, x, y, steps=1000, levels=None)
        table["cw"] = lambda m, x, y: attacks.carlini_wagner_l2(
            m, x, y, binary_search_steps=9, max_iterations=111)
        table["superdeepfool"] = lambda m, x, y: attacks.sdf(m, x, y)
    if norm in ("l1", "l2", "linf"):
        table["fab"] = lambda m, x, y: attacks.fab(m, x, y, norm=p, n_iter=100)
        table["pdpgd"] = lambda m, x, y: attacks.pdpgd(m, x, y, norm=p, num_steps=1000)
    if norm in ("l2", "linf"):
        table["deepfool"] = lambda m, x, y: attacks.df(m, x, y, norm=p, steps=100)
    return table


def torchattacks_table(norm):
    """torchattacks' minimum-norm attacks, each at its own defaults (EAD at ~2000 propagations)."""
    import torchattacks as ta
    table = {}
    if norm == "l0":
        table["sparsefool"] = lambda m, x, y: ta.SparseFool(m)(x, y)
        # torchattacks' JSMA is always targeted, at (label + 1) mod 10 unless told otherwise.
        table["jsma"] = lambda m, x, y: ta.JSMA(m)(x, y)
    if norm == "l1":
        table["ead"] = lambda m, x, y: ta.EADL1(m, binary_search_steps=9, max_iterations=111)(x, y)
    if norm == "l2":
        table["deepfool"] = lambda m, x, y: ta.DeepFool(m)(x, y)
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--norm", required=True, choices=["l0", "l1", "l2", "linf"])
    ap.add_argument("--limit", type=int, default=64)
    ap.add_argument("--cifar", help="a CIFAR-10 binary batch instead of Fashion-MNIST's test split")
    ap.add_argument("--library", default="adv-lib", choices=["adv-lib", "torchattacks"])
    ap.add_argument("--attacks", default="", help="comma-separated subset of the peer attacks (fmn, alma, ddn, ...)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="folder for attack_bench.json")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model = torch.jit.load(args.model).eval()
    for q in model.parameters():
        q.requires_grad_(False)
    x, y = cifar_images(args.cifar, args.limit) if args.cifar else test_images(args.limit)
    with torch.no_grad():
        correct = model(x).argmax(1) == y

    table = peer_table(import_adv_lib(), args.norm) if args.library == "adv-lib" else torchattacks_table(args.norm)
    wanted = [a for a in args.attacks.split(",") if a]
    rows = []
    for name, run in table.items():
        if wanted and name not in wanted:
            continue
        torch.manual_seed(args.seed)
        tracked = Tracked(model, x, y, args.norm).eval()
        t = time.perf_counter()
        adv = run(tracked, x.clone(), y).detach()
        seconds = time.perf_counter() - t
        in_box = (adv >= 0).flatten(1).all(1) & (adv <= 1).flatten(1).all(1)
        adv = adv.clamp(0, 1)  # box failures are counted, then clipped and judged as clipped
        with torch.no_grad():
            fooled = model(adv).argmax(1) != y
        d = torch.where(fooled, distance(adv, x, args.norm), torch.full_like(tracked.best, math.inf))
        d = torch.minimum(d, tracked.best)
        d = torch.where(correct, d, torch.zeros_like(d))
        props = (tracked.counter["forward"] + tracked.counter["backward"]) / len(y)
        found = int((torch.isfinite(d) & (d > 0)).sum())
        print(f"{name:22s} found {found:3d}/{int(correct.sum())}  median {d[torch.isfinite(d) & (d > 0)].median().item() if found else math.nan:.4g}"
              f"  propagations/sample {props:.0f}  box failures {int((~in_box).sum())}  {seconds:.1f} s", flush=True)
        rows.append({"attack": name, "distances": [None if not math.isfinite(v) else v for v in d.tolist()],
                     "propagations": {"mean": props}, "box_failures": int((~in_box).sum()), "seconds": seconds})

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "attack_bench.json").write_text(json.dumps({"n": len(y), "norm": args.norm, "model": args.model,
                                                        "attacks": rows}, indent=1))
    print(f"wrote {out / 'attack_bench.json'}")


if __name__ == "__main__":
    main()
