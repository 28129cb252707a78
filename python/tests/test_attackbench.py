"""advlab.attackbench.attack returns AttackBench's attack format:
fn(model, inputs, labels, targets=None, targeted=False) -> adversarial inputs."""
import pytest
import torch

import advlab
from advlab.attackbench import attack


def test_untargeted(trained_cnn, test_batch):
    x, y = test_batch
    fn = attack("pgd", norm="linf", eps=0.1, steps=10)
    adv = fn(trained_cnn, x, y)
    assert adv.shape == x.shape
    assert (adv - x).abs().max() <= 0.1 + 1e-6
    fooled = trained_cnn(adv).argmax(1) != y
    assert fooled.float().mean() > 0.5


def test_targeted(trained_cnn, test_batch):
    x, y = test_batch
    targets = (y + 1) % 10
    fn = attack("apgd-t", norm="linf", eps=0.2, steps=20)
    adv = fn(trained_cnn, x, y, targets=targets, targeted=True)
    hit = trained_cnn(adv).argmax(1) == targets
    assert hit.float().mean() > 0.5


def test_targeted_without_targets_is_an_error(trained_cnn, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match="targeted=True needs targets"):
        attack("pgd", eps=0.1)(trained_cnn, x, y, targeted=True)


class DataDependent(torch.nn.Module):
    """Not scriptable (a Python builtin on a tensor), but traceable."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x) + 0 * sum([x.sum()])


def test_unscriptable_model_is_traced(trained_cnn, test_batch):
    x, y = test_batch
    model = DataDependent(trained_cnn)
    with pytest.raises(Exception):
        torch.jit.script(model)
    adv = attack("fgsm", norm="linf", eps=0.1)(model, x, y)
    assert torch.equal(adv, advlab.attack(trained_cnn, x, y, "fgsm", norm="linf", eps=0.1).adversarials)
