"""advlab: adversarial attacks and robustness evaluation over a C++/LibTorch core.

    import torch, advlab
    model = torch.jit.script(my_module.eval())
    adv = advlab.attack(model, x, y, "apgd-ce", norm="linf", eps=8/255, steps=100)
    report = advlab.evaluate(model, x, y, norm="linf", eps=[4/255, 8/255])

Tensors and TorchScript modules cross into C++ without copies; results come back on the
inputs' device. Errors are :class:`AdvlabError` (a ``ValueError``) with the same one-line
message as the ``advlab`` command line.
"""
import torch  # loads LibTorch before the extension that links against it

from . import _advlab
from ._attack import AttackResult, attack
from ._evaluate import EvaluationReport, evaluate
from ._registry import AttackInfo, list_attacks
from . import attackbench

AdvlabError = _advlab.AdvlabError
__version__ = _advlab.__version__

__all__ = [
    "AdvlabError",
    "AttackInfo",
    "AttackResult",
    "EvaluationReport",
    "attack",
    "attackbench",
    "evaluate",
    "list_attacks",
]
