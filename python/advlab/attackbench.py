"""advlab attacks in the AttackBench format.

    from advlab.attackbench import attack
    fn = attack("apgd-ce", norm="linf", eps=8/255)
    adv = fn(model, inputs, labels)                      # untargeted
    adv = fn(model, inputs, labels, targets=t, targeted=True)

AttackBench (Cinà et al. 2024) calls ``fn(model, inputs, labels, targets=None,
targeted=False)`` and expects adversarial inputs of the same shape back.
"""
from ._attack import attack as _attack
from ._advlab import AdvlabError
from ._models import script_module


def attack(name, **options):
    """A function ``(model, inputs, labels, targets=None, targeted=False) -> adversarials``
    running advlab's `name` with `options` (as :func:`advlab.attack` takes them)."""

    def run(model, inputs, labels, targets=None, targeted=False):
        # AttackBench hands over plain modules: scripted, else traced on the inputs.
        module = script_module(model, example_inputs=inputs)
        if targeted and targets is None:
            raise AdvlabError("targeted=True needs targets (one class per input)")
        result = _attack(module, inputs, labels, name, targets=targets if targeted else None, **options)
        return result.adversarials

    run.__name__ = f"advlab_{name.replace('-', '_')}"
    run.__doc__ = f"advlab {name} {options} in the AttackBench format."
    return run

