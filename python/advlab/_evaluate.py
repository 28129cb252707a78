"""advlab.evaluate: how robust is a model, worst case per sample over a suite of attacks."""
import json
import os
import shutil
import tempfile
from typing import Dict, List

import torch

from . import _advlab
from ._models import script_module
from ._options import channel_values, check_eps, option_texts


class EvaluationReport:
    """The result of :func:`evaluate`, the same numbers as ``advlab eval``'s report.json.

    robust_accuracy: {eps: worst-case robust accuracy}.
    clean_accuracy: accuracy before any attack.
    per_attack: {attack: {eps: robust accuracy after that attack and the ones before it}}.
    adversarials: {eps: [N, ...] worst-case adversarial per sample (the input where none)}.
    robust: {eps: bool [N]}.
    warnings: soundness-check messages.
    """

    def __init__(self, evaluation):
        self._evaluation = evaluation
        self._json = evaluation.json()
        self.data = json.loads(self._json)
        eps = [r["eps"] for r in self.data["results"]]
        self.clean_accuracy: float = self.data["clean_accuracy"]
        self.robust_accuracy: Dict[float, float] = {
            r["eps"]: r["robust_accuracy"] for r in self.data["results"]}
        self.per_attack: Dict[str, Dict[float, float]] = {}
        for r in self.data["results"]:
            for a in r["attacks"]:
                self.per_attack.setdefault(a["attack"], {})[r["eps"]] = a["robust_accuracy_after"]
        self.adversarials: Dict[float, torch.Tensor] = dict(zip(eps, evaluation.adversarials()))
        self.robust: Dict[float, torch.Tensor] = dict(zip(eps, evaluation.robust()))
        self.warnings: List[str] = [w["message"] for w in self.data["warnings"]]

    def to_json(self) -> str:
        """report.json as ``advlab eval`` writes it."""
        return self._json

    def save(self, directory) -> None:
        """Writes the folder ``advlab eval --out`` writes (report.json, report.html,
        adversarials-eps<E>.pt); an earlier report there is replaced as a whole."""
        self._evaluation.save(os.fspath(directory))

    def save_html(self, path) -> None:
        """Writes the self-contained report page (chart, tables, examples) to `path`."""
        with tempfile.TemporaryDirectory() as scratch:
            folder = os.path.join(scratch, "report")
            self._evaluation.save(folder)
            shutil.copyfile(os.path.join(folder, "report.html"), os.fspath(path))

    def __repr__(self):
        accuracies = ", ".join(f"{e:g}: {a:.3f}" for e, a in self.robust_accuracy.items())
        return f"EvaluationReport(clean_accuracy={self.clean_accuracy:.3f}, robust_accuracy={{{accuracies}}})"


def evaluate(model, inputs, labels, *, norm="linf", eps=(0.05, 0.1, 0.2), suite="standard",
             queries=None, options=None, individual=False, checks=True, seed=0, batch_size=256,
             bounds=(0.0, 1.0), mean=None, std=None, progress=False) -> EvaluationReport:
    """Robustness of `model` on `inputs`, as ``advlab eval`` measures it.

    For each eps in `eps`, the attacks of `suite` ("standard" = apgd-ce, apgd-t, fab-t,
    square; "quick" = fgsm, pgd; "full"; or "a,b,c") run in order, each on the samples
    still robust (`individual`: each on every correct sample). `options` gives extra
    options per attack, e.g. ``{"apgd-ce": {"steps": 50}}``, over the suite's own budgets
    (``standard`` is AutoAttack's recipe); `queries` is the black-box budget per sample
    (None = the suite's: 5000 for ``standard``, else 1000). `checks` runs the soundness
    checks. Same defaults and errors as the command line.
    """
    if isinstance(eps, (int, float)):
        eps = [eps]
    eps = list(eps)
    for e in eps:
        check_eps(e)
    if queries is not None and (isinstance(queries, bool) or not isinstance(queries, int) or queries < 1):
        raise _advlab.AdvlabError(f"query budget must be an integer >= 1, got {queries!r}")
    per_attack = {attack: option_texts(values) for attack, values in (options or {}).items()}
    lower, upper = bounds
    evaluation = _advlab.evaluate(
        script_module(model), inputs, labels, norm, [float(e) for e in eps], suite,
        -1 if queries is None else int(queries),
        per_attack, bool(individual), bool(checks), int(seed), int(batch_size), float(lower),
        float(upper), channel_values("mean", mean), channel_values("std", std), bool(progress))
    return EvaluationReport(evaluation)
