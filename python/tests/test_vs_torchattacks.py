"""advlab's PGD is at least as strong as torchattacks' PGD at the same budget on a model
trained here (the speed comparison is bench/python_pgd_vs_torchattacks.py)."""
import pytest
import torch
import torchattacks  # pip install torchattacks: missing is a failure, not a skip

import advlab


@pytest.mark.parametrize("eps", [0.03, 0.06])
def test_pgd_at_least_as_strong(eps, trained_cnn, fashion):
    from conftest import pixels
    x, y = pixels(fashion["test_raw"][:500]), fashion["test_labels"][:500]
    steps, alpha = 10, 2.5 * eps / 10
    torch.manual_seed(0)
    theirs = torchattacks.PGD(trained_cnn, eps=eps, alpha=alpha, steps=steps, random_start=True)(x, y)
    robust_theirs = (trained_cnn(theirs).argmax(1) == y).float().mean().item()
    ours = advlab.attack(trained_cnn, x, y, "pgd", norm="linf", eps=eps, steps=steps, step_size=alpha)
    robust_ours = (trained_cnn(ours.adversarials).argmax(1) == y).float().mean().item()
    clean = (trained_cnn(x).argmax(1) == y).float().mean().item()
    assert robust_theirs < clean - 0.1, "the budget must be large enough for the comparison to mean something"
    assert (ours.adversarials - x).abs().amax() <= eps + 1e-6
    # Both use one random start; 0.01 (5 of 500 samples) covers the luck of the draw.
    assert robust_ours <= robust_theirs + 0.01, (robust_ours, robust_theirs)
