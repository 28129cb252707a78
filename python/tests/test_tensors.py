"""Tensors cross into C++ and back unchanged, on the device they came from, and the
extension runs with torch's thread setting."""
import pytest
import torch

import advlab


def test_inputs_untouched_and_results_shaped(scripted, test_batch):
    x, y = test_batch
    before = x.clone()
    adv = advlab.attack(scripted, x, y, "pgd", norm="linf", eps=0.1, steps=5)
    assert torch.equal(x, before), "the attack must not write into the caller's inputs"
    assert adv.adversarials.shape == x.shape and adv.adversarials.dtype == torch.float32
    assert adv.success.dtype == torch.bool and adv.success.shape == y.shape
    assert adv.queries.dtype == torch.int64 and (adv.queries > 0).all()
    assert adv.distance.shape == y.shape
    assert (adv.distance <= 0.1 + 1e-6).all()
    assert torch.allclose(adv.distance, (adv.adversarials - x).flatten(1).abs().amax(1))


def test_zero_budget_returns_the_inputs_bit_for_bit(scripted, test_batch):
    x, y = test_batch
    adv = advlab.attack(scripted, x, y, "fgsm", norm="linf", eps=0.0)
    assert torch.equal(adv.adversarials, x)
    clean_wrong = scripted(x).argmax(1) != y
    assert torch.equal(adv.success, clean_wrong)


def test_non_contiguous_and_double_inputs(scripted, test_batch):
    x, y = test_batch
    wide = torch.cat([x, x], dim=3)[..., ::2]  # a strided view: [N, 1, 28, 28]
    assert not wide.is_contiguous()
    a = advlab.attack(scripted, wide, y, "fgsm", eps=0.1)
    b = advlab.attack(scripted, wide.contiguous(), y, "fgsm", eps=0.1)
    c = advlab.attack(scripted, wide.double(), y, "fgsm", eps=0.1)
    assert torch.equal(a.adversarials, b.adversarials)
    assert torch.equal(a.adversarials, c.adversarials)


def test_a_float64_model_is_attacked_in_its_own_precision(trained_cnn, test_batch, one_thread):
    """`model.double()` works as it is: images reach it in float64, results are float32."""
    import copy
    x, y = test_batch
    model = torch.jit.script(copy.deepcopy(trained_cnn).double())
    adv = advlab.attack(model, x, y, "pgd", norm="linf", eps=0.1, steps=10)
    assert adv.adversarials.dtype == torch.float32
    assert ((adv.adversarials - x).flatten(1).abs().amax(1) <= 0.1 + 1e-6).all()
    assert adv.adversarials.min() >= 0 and adv.adversarials.max() <= 1
    # Success is the float64 model's own verdict on the returned images (in advlab's 8-row calls).
    with torch.no_grad():
        predicted = torch.cat([model(rows.double()).argmax(1) for rows in adv.adversarials.split(8)])
    assert torch.equal(adv.success, predicted != y)
    assert adv.success.float().mean() > 0.5  # a standard CNN at L-inf 0.1


def test_label_dtypes(scripted, test_batch):
    x, y = test_batch
    a = advlab.attack(scripted, x, y, "fgsm", eps=0.1)
    b = advlab.attack(scripted, x, y.to(torch.int32), "fgsm", eps=0.1)
    assert torch.equal(a.adversarials, b.adversarials)


@pytest.mark.parametrize("threads", [1, 2])
def test_torch_thread_setting_reaches_the_core(threads):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        assert advlab._advlab.num_threads() == threads
    finally:
        torch.set_num_threads(before)


def test_built_against_the_torch_it_runs_with():
    assert advlab._advlab.torch_version() == torch.__version__.split("+")[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_inputs_stay_on_cuda(trained_cnn, test_batch):
    x, y = (t.cuda() for t in test_batch)
    model = torch.jit.script(trained_cnn).cuda()
    adv = advlab.attack(model, x, y, "pgd", norm="linf", eps=0.1, steps=5)
    assert adv.adversarials.is_cuda and adv.success.is_cuda
    assert adv.success.any()
