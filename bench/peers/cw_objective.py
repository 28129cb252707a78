#!/usr/bin/env python3
"""Where torchattacks' C&W differs from advlab's at its one-c setting: the objective.

torchattacks' CW.f takes the largest "other" logit over the logits with the true class's
entry zeroed (so 0 when every other logit is negative) and the true logit as a max with
zeros (0 when it is negative). This runs torchattacks' CW (c=1, kappa=0, 50 steps, lr
0.01) as shipped and with f replaced by the paper's margin (true logit minus the largest
other one), on the same model and images as compare_speed.py, and lists the samples that
differ. advlab's C&W at the same setting (compare_speed.py's cw row) uses the paper's
margin.

    /var/cache/advlab/venv/bin/python bench/peers/cw_objective.py \
        --model build/test-cache/fashion-small-cnn-v2.pt --images 200
"""
import argparse
from pathlib import Path
import sys

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_speed import test_images  # noqa: E402


def paper_margin(outputs, labels):
    true_class = torch.nn.functional.one_hot(labels, outputs.shape[1]).bool()
    other = outputs.masked_fill(true_class, float("-inf")).amax(1)
    real = outputs.gather(1, labels[:, None]).squeeze(1)
    return torch.clamp(real - other, min=0)


def robust_after(model, x, y, objective):
    import torchattacks as ta
    attack = ta.CW(model, c=1, kappa=0, steps=50, lr=0.01)
    if objective is not None:
        attack.f = objective
    adv = attack(x, y)
    with torch.no_grad():
        return (model(x).argmax(1) == y) & (model(adv).argmax(1) == y)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--images", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = torch.jit.load(args.model).eval()
    x, y = test_images(args.images)
    shipped = robust_after(model, x, y, None)
    margin = robust_after(model, x, y, paper_margin)
    print(f"robust accuracy, torchattacks CW as shipped: {shipped.float().mean().item():.3f}")
    print(f"robust accuracy, same with the paper's margin: {margin.float().mean().item():.3f}")
    print("robust only with the paper's margin:", margin.logical_and(~shipped).nonzero().flatten().tolist())
    print("robust only as shipped:", shipped.logical_and(~margin).nonzero().flatten().tolist())


if __name__ == "__main__":
    main()
