#!/usr/bin/env python3
"""advlab against torchattacks and AutoAttack (pyautoattack, fra31's code on PyPI): wall time
and robust accuracy per attack, same TorchScript model, same images, same thread count, in
one run (advlab then the peer, attack by attack, so machine load hits both alike).

    /var/cache/advlab/venv/bin/python bench/peers/compare_speed.py \
        --model build/test-cache/fashion-small-cnn-fgsmrs-v1.pt --images 500 --threads 1

Images: the first N of Fashion-MNIST's test split, read from the same IDX files advlab
reads. advlab runs as the command line (build/advlab); its time is the attack's own
(metrics.json, as the peer is timed around its call). CPU seconds (the whole advlab
process, the peer's call) are printed too: on a shared machine they vary less than wall.
Medians are the distances of the successful adversarials in the attack's norm. Exit status 1 when a peer's robust
accuracy is lower than advlab's by more than --tolerance on any row (advlab weaker).
"""
import argparse
import gzip
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
FASHION = Path(os.environ.get("ADVLAB_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))


def read_idx(path):
    with gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.from_numpy(np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape).copy())


def test_images(n):
    x = read_idx(FASHION / "t10k-images-idx3-ubyte.gz")[:n].to(torch.float32).div_(255.0).unsqueeze(1)
    y = read_idx(FASHION / "t10k-labels-idx1-ubyte.gz")[:n].long()
    return x, y


# name: (advlab CLI arguments, torchattacks factory(model, eps), norm, bounded by eps?)
def attack_table(eps, eps_l2):
    import torchattacks as ta
    a40 = 2.5 * eps / 40
    return {
        "pgd": (["--attack", "pgd", "--eps", eps, "--steps", 40, "--step-size", a40],
                lambda m: ta.PGD(m, eps=eps, alpha=a40, steps=40, random_start=True), "linf", True),
        "bim": (["--attack", "bim", "--eps", eps, "--steps", 20, "--step-size", eps / 10],
                lambda m: ta.BIM(m, eps=eps, alpha=eps / 10, steps=20), "linf", True),
        "mifgsm": (["--attack", "mifgsm", "--eps", eps, "--steps", 20, "--step-size", eps / 10],
                   lambda m: ta.MIFGSM(m, eps=eps, alpha=eps / 10, steps=20, decay=1.0), "linf", True),
        "apgd-ce": (["--attack", "apgd-ce", "--eps", eps, "--steps", 100],
                    lambda m: ta.APGD(m, norm="Linf", eps=eps, steps=100, loss="ce", seed=0), "linf", True),
        "apgd-dlr": (["--attack", "apgd-dlr", "--eps", eps, "--steps", 100],
                     lambda m: ta.APGD(m, norm="Linf", eps=eps, steps=100, loss="dlr", seed=0), "linf", True),
        "fab": (["--attack", "fab", "--eps", eps, "--steps", 10],
                lambda m: ta.FAB(m, norm="Linf", eps=eps, steps=10, n_classes=10, seed=0), "linf", True),
        "square": (["--attack", "square", "--eps", eps, "--queries", 1000],
                   lambda m: ta.Square(m, norm="Linf", eps=eps, n_queries=1000, seed=0), "linf", True),
        # Minimum-norm L2 attacks: success at any distance, plus the median distance.
        "cw": (["--attack", "cw", "--steps", 50, "--set", "search_steps=1", "--set", "learning_rate=0.01", "--set", "box=tanh",
                "--set", "abort_early=false"],
               lambda m: ta.CW(m, c=1, kappa=0, steps=50, lr=0.01), "l2", False),
        "deepfool": (["--attack", "deepfool", "--norm", "l2", "--steps", 50, "--set", "target_classes=0"],
                     lambda m: ta.DeepFool(m, steps=50, overshoot=0.02), "l2", False),
    }


def child_cpu():
    """CPU seconds of finished child processes: less noisy than wall time on a loaded machine."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_advlab(args, model, extra, n, out, norm):
    cmd = [str(args.advlab), "attack", "--model", str(model), "--limit", str(n), "--batch-size", str(args.batch),
           "--seed", "0", "--out", str(out)] + [str(a) for a in extra]
    env = dict(os.environ, ADVLAB_THREADS=str(args.threads))
    cpu0 = child_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    cpu = child_cpu() - cpu0
    m = json.loads((Path(out) / "metrics.json").read_text())
    median = m["distance"].get(norm, {}).get("median")
    # The attack's own seconds (as the peer's are timed); the process wall time beside it.
    return m["seconds"], m["robust_accuracy"], median, wall, cpu


def run_peer(make, model, x, y, norm, eps, bounded, batch):
    attack = make(model)
    cpu0, start = time.process_time(), time.perf_counter()
    adv = torch.cat([attack(x[i:i + batch], y[i:i + batch]) for i in range(0, len(x), batch)])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    with torch.no_grad():
        correct = model(x).argmax(1) == y
        fooled = model(adv).argmax(1) != y
    d = (adv - x).flatten(1)
    dist = d.abs().amax(1) if norm == "linf" else d.norm(dim=1)
    inside = ((adv >= 0) & (adv <= 1)).flatten(1).all(1)
    if bounded:
        inside &= dist <= eps * (1 + 1e-5) + 1e-6
    broken = correct & fooled & inside
    robust = (correct & ~broken).float().mean().item()
    median = dist[broken].median().item() if broken.any() else float("nan")
    return seconds, robust, median, cpu


def run_autoattack(model, x, y, eps, norm, batch):
    from pyautoattack import AutoAttack
    adversary = AutoAttack(model, eps=eps, norm={"linf": "Linf", "l2": "L2", "l1": "L1"}[norm], version="standard",
                           device="cpu", seed=0)
    cpu0, start = time.process_time(), time.perf_counter()
    adv = adversary.run_standard_evaluation(x, y, batch_size=batch)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    if isinstance(adv, tuple):  # pyautoattack answers (adversarials, their labels)
        adv = adv[0]
    with torch.no_grad():
        robust = (model(adv).argmax(1) == y).float().mean().item()
    return seconds, robust, cpu


def run_advlab_eval(args, model, n, eps, norm, out, suite):
    cmd = [str(args.advlab), "eval", "--model", str(model), "--limit", str(n), "--batch-size", str(args.batch),
           "--suite", suite, "--norm", norm, "--eps", str(eps), "--seed", "0", "--out", str(out)]
    ranks = max(1, args.advlab_ranks)
    if ranks > 1:  # the peer's threads as ranks of threads / ranks each: several batches in flight
        cmd = [cmd[0], "--ranks", str(ranks)] + cmd[1:]
    env = dict(os.environ, ADVLAB_THREADS=str(max(1, args.threads // ranks)))
    cpu0, start = child_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds, cpu = time.perf_counter() - start, child_cpu() - cpu0
    report = json.loads((Path(out) / "report.json").read_text())
    per_attack = {a["attack"]: a["seconds"] for a in report["results"][0]["attacks"]}
    return seconds, report["results"][0]["attacks"][-1]["robust_accuracy_after"], per_attack, cpu


def fmt(v, spec):
    return "-" if v is None or v != v else format(v, spec)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", action="append", required=True, help="TorchScript .pt (repeatable)")
    p.add_argument("--images", type=int, default=500)
    p.add_argument("--eps", type=float, default=0.1, help="L-inf budget")
    p.add_argument("--eps-l2", type=float, default=1.5, help="L2 budget of the AutoAttack row at L2")
    p.add_argument("--eps-l1", type=float, default=5.0, help="L1 budget of the AutoAttack row at L1")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--attacks", default="pgd,bim,mifgsm,apgd-ce,apgd-dlr,fab,square,cw,deepfool")
    p.add_argument("--autoattack", type=int, default=0, metavar="N",
                   help="also AutoAttack standard vs advlab eval --suite standard on N images (0 = skip)")
    p.add_argument("--autoattack-norms", default="linf", help="comma separated: linf, l2, l1")
    p.add_argument("--autoattack-suites", default="standard",
                   help="advlab eval suites each set against the one AutoAttack run (e.g. standard,rapid)")
    p.add_argument("--advlab-ranks", type=int, default=1,
                   help="run advlab eval as this many ranks sharing --threads (the AutoAttack rows)")
    p.add_argument("--tolerance", type=float, default=0.01, help="robust accuracy advlab may exceed the peer by")
    p.add_argument("--advlab", type=Path, default=REPO / "build" / "advlab")
    p.add_argument("--json", type=Path, help="write the rows here too")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    import torchattacks  # noqa: F401  (fail before any work when missing)

    x, y = test_images(args.images)
    table = attack_table(args.eps, args.eps_l2)
    rows, weaker = [], []
    work = Path(tempfile.mkdtemp(prefix="advlab-compare-"))
    ranks = f", advlab eval as {args.advlab_ranks} ranks" if args.advlab_ranks > 1 else ""
    print(f"torch {torch.__version__}, {args.threads} thread(s){ranks}, {args.images} images, L-inf eps {args.eps}")
    header = f"{'model':28}{'attack':10}{'advlab s':>10}{'peer s':>10}{'speed-up':>9}{'advlab acc':>11}{'peer acc':>9}"
    print(header + f"{'adv med':>9}{'peer med':>9}{'adv cpu':>9}{'peer cpu':>9}{'cpu x':>7}")
    for model_path in args.model:
        model = torch.jit.load(str(model_path)).eval()
        name = Path(model_path).stem[:27]
        for attack in filter(None, args.attacks.split(",")):
            extra, make, norm, bounded = table[attack]
            eps = args.eps if bounded else None
            ours = run_advlab(args, model_path, extra, args.images, work / attack, norm)
            theirs = run_peer(make, model, x, y, norm, eps, bounded, args.batch)
            row = dict(model=name, attack=attack, peer="torchattacks", advlab_s=ours[0], peer_s=theirs[0],
                       advlab_acc=ours[1], peer_acc=theirs[1], advlab_median=ours[2], peer_median=theirs[2],
                       advlab_wall_s=ours[3], advlab_cpu_s=ours[4], peer_cpu_s=theirs[3])
            rows.append(row)
            if ours[1] > theirs[1] + args.tolerance:
                weaker.append(row)
            print(f"{name:28}{attack:10}{ours[0]:10.2f}{theirs[0]:10.2f}{theirs[0] / ours[0]:8.2f}x"
                  f"{ours[1]:11.3f}{theirs[1]:9.3f}{fmt(ours[2], '9.3f'):>9}{fmt(theirs[2], '9.3f'):>9}"
                  f"{ours[4]:9.2f}{theirs[3]:9.2f}{theirs[3] / ours[4]:6.2f}x", flush=True)
        for norm in (args.autoattack_norms.split(",") if args.autoattack else []):
            eps = {"linf": args.eps, "l2": args.eps_l2, "l1": args.eps_l1}[norm]
            xa, ya = x[:args.autoattack], y[:args.autoattack]
            theirs = run_autoattack(model, xa, ya, eps, norm, args.batch)
            for suite in args.autoattack_suites.split(","):
                ours = run_advlab_eval(args, model_path, args.autoattack, eps, norm, work / f"eval-{norm}-{suite}",
                                       suite)
                row = dict(model=name, attack=f"{suite}-{norm}", peer="autoattack", advlab_s=ours[0],
                           peer_s=theirs[0], advlab_acc=ours[1], peer_acc=theirs[1], advlab_per_attack=ours[2],
                           images=args.autoattack, advlab_cpu_s=ours[3], peer_cpu_s=theirs[2])
                rows.append(row)
                if ours[1] > theirs[1] + args.tolerance:
                    weaker.append(row)
                print(f"{name:28}{suite + '-' + norm:10}{ours[0]:10.2f}{theirs[0]:10.2f}{theirs[0] / ours[0]:8.2f}x"
                      f"{ours[1]:11.3f}{theirs[1]:9.3f}  cpu {ours[3]:.1f} vs {theirs[2]:.1f} s"
                      f" ({theirs[2] / ours[3]:.2f}x); advlab per attack: "
                      + ", ".join(f"{k} {v:.1f}s" for k, v in ours[2].items()), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    for row in weaker:
        print(f"STRENGTH: advlab {row['attack']} on {row['model']} leaves robust accuracy {row['advlab_acc']:.3f}, "
              f"{row['peer']} {row['peer_acc']:.3f}", file=sys.stderr)
    return 1 if weaker else 0


if __name__ == "__main__":
    sys.exit(main())
