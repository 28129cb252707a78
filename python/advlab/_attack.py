"""advlab.attack: one registered attack over a batch of inputs."""
import json
from dataclasses import dataclass, field
from typing import Dict, Optional

import torch

from . import _advlab
from ._models import script_module
from ._options import channel_values, check_eps, option_texts


@dataclass
class AttackResult:
    """What an attack found, per sample, on the inputs' device.

    adversarials: [N, ...] inside the bounds (and the eps-ball when bounded).
    success: bool [N], verified by a fresh forward pass.
    distance: float [N], input-to-adversarial distance in the attack's norm.
    queries: int64 [N], forward passes spent on each sample.
    distances: the same distance in every norm ("l0", "l1", "l2", "linf").
    metrics: the summary `advlab attack` writes as metrics.json.
    """

    adversarials: torch.Tensor
    success: torch.Tensor
    distance: torch.Tensor
    queries: torch.Tensor
    predictions: torch.Tensor
    clean_predictions: torch.Tensor
    gradients: torch.Tensor
    distances: Dict[str, torch.Tensor]
    metrics: dict
    minimum_distance: Optional[torch.Tensor] = None
    targets: Optional[torch.Tensor] = None
    _run: object = field(default=None, repr=False, compare=False)

    def save(self, directory):
        """Writes the report folder `advlab attack --out` writes (metrics.json,
        adversarials.pt, grid.png, report.html); an earlier report there is replaced."""
        self._run.save(str(directory))


def attack(model, inputs, labels, name, *, norm=None, eps=None, steps=None, step_size=None,
           restarts=None, queries=None, targeted=False, target="random", targets=None, seed=0,
           batch_size=256, bounds=(0.0, 1.0), mean=None, std=None, progress=False,
           **options) -> AttackResult:
    """Runs the registered attack `name` (see :func:`list_attacks`) on `inputs`.

    Same options, defaults and checks as ``advlab attack``: `norm`, `eps`, `steps`,
    `step_size`, `restarts`, `queries` and any other option of the attack as a keyword
    (``--set key=value`` on the command line); an option left at None keeps the attack's
    default. `targeted` with `target` ("random", "least-likely" or a class index), or
    explicit per-sample `targets`, makes the attack targeted. Batches of `batch_size`
    are seeded seed, seed+1, ..., so a seed gives the command line's result. `bounds`
    are the valid input range; `mean`/`std` normalise inside the model, so eps stays in
    input space. Runs without the GIL, on the inputs' device, with torch's thread count.
    """
    if eps is not None:
        check_eps(eps)
    texts = option_texts(dict(options, norm=norm, eps=eps, steps=steps, step_size=step_size,
                              restarts=restarts, queries=queries))
    if targets is not None:
        targeted = True
    lower, upper = bounds
    run = _advlab.attack(
        script_module(model), inputs, labels, name, texts, bool(targeted), str(target), targets,
        int(seed), int(batch_size), float(lower), float(upper), channel_values("mean", mean),
        channel_values("std", std), bool(progress))
    t = run.tensors()
    metrics = json.loads(run.metrics_json())
    norm_used = metrics.get("params", {}).get("norm", "linf")
    return AttackResult(
        adversarials=t["adversarials"], success=t["success"],
        distance=t["distances"].get(norm_used, t["distances"]["linf"]), queries=t["queries"],
        predictions=t["predictions"], clean_predictions=t["clean_predictions"],
        gradients=t["gradients"], distances=t["distances"], metrics=metrics,
        minimum_distance=t.get("minimum_distance"), targets=t.get("targets"), _run=run)
