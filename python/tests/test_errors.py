"""Bad input gets advlab.AdvlabError with the command line's one-line message."""
import io

import pytest
import torch

import advlab


def cli_message(done):
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("advlab: error: ")
    return line[len("advlab: error: "):]


@pytest.mark.parametrize("python_options,cli_args", [
    (dict(name="pgdd"), ["--attack", "pgdd"]),
    (dict(name="pgd", norm="l7"), ["--attack", "pgd", "--norm", "l7"]),
    (dict(name="pgd", colour="red"), ["--attack", "pgd", "--set", "colour=red"]),
    (dict(name="pgd", steps=-3), ["--attack", "pgd", "--steps", "-3"]),
    (dict(name="fgsm", norm="l0"), ["--attack", "fgsm", "--norm", "l0"]),
    (dict(name="square", queries=0), ["--attack", "square", "--queries", "0"]),
])
def test_same_message_as_cli(python_options, cli_args, cli, cli_files, scripted, test_batch, tmp_path):
    x, y = test_batch
    done = cli("attack", "--model", cli_files["model"], "--data", cli_files["data"], *cli_args,
               "--out", tmp_path / "out", expect_ok=False)
    name = python_options.pop("name")
    with pytest.raises(advlab.AdvlabError) as error:
        advlab.attack(scripted, x, y, name, **python_options)
    assert str(error.value) == cli_message(done)
    assert "\n" not in str(error.value)


def test_negative_eps(scripted, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match=r"^eps must be >= 0, got -0.1$"):
        advlab.attack(scripted, x, y, "pgd", eps=-0.1)
    with pytest.raises(advlab.AdvlabError, match="eps must be >= 0"):
        advlab.evaluate(scripted, x, y, eps=[0.1, float("nan")])


def test_labels_outside_the_model_classes(scripted, test_batch):
    x, y = test_batch
    bad = y.clone()
    bad[5] = 12
    with pytest.raises(advlab.AdvlabError, match=r"label 12 \(sample 5, one of 1 such\) is outside the 10 classes"):
        advlab.attack(scripted, x, bad, "fgsm", eps=0.1)


@pytest.mark.parametrize("inputs,labels,message", [
    (lambda x, y: x.flatten()[:64], lambda x, y: y, "inputs must be a tensor"),
    (lambda x, y: x, lambda x, y: y[:10], "labels must be a tensor \\[N\\] with N = 64"),
    (lambda x, y: x, lambda x, y: y.float(), "labels must be integer class indices"),
    (lambda x, y: (x * 255).to(torch.uint8), lambda x, y: y, "inputs must be floating point"),
    (lambda x, y: x[:0], lambda x, y: y[:0], "inputs hold no samples"),
])
def test_bad_tensors(inputs, labels, message, scripted, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match=message):
        advlab.attack(scripted, inputs(x, y), labels(x, y), "fgsm", eps=0.1)


def test_inputs_outside_bounds(scripted, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError):
        advlab.attack(scripted, x * 2, y, "fgsm", eps=0.1)


def test_option_of_unsupported_type(scripted, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match="option 'steps' must be a bool, int, float, str or path, got list"):
        advlab.attack(scripted, x, y, "pgd", steps=[1, 2])


def test_suite_options_for_an_attack_outside_the_suite(scripted, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match="options name attack 'pgd', which is not in the suite"):
        advlab.evaluate(scripted, x, y, eps=0.1, suite="fgsm", options={"pgd": {"steps": 3}})


def test_model_forward_error_is_one_line(test_batch):
    x, y = test_batch
    wrong = torch.jit.script(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(10, 10)))
    with pytest.raises(advlab.AdvlabError) as error:
        advlab.attack(wrong, x, y, "fgsm", eps=0.1)
    assert str(error.value).startswith("model forward failed: ")
    assert "\n" not in str(error.value)


class Unscriptable(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x) * len({"a": x}.keys.__doc__ or "")  # a call TorchScript rejects


def test_plain_module_is_scripted_for_the_user(trained_cnn, scripted, test_batch):
    x, y = test_batch
    a = advlab.attack(trained_cnn, x, y, "fgsm", eps=0.1)
    b = advlab.attack(scripted, x, y, "fgsm", eps=0.1)
    assert torch.equal(a.adversarials, b.adversarials)


def test_unscriptable_module_says_to_script_or_trace(trained_cnn, test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match=r"cannot be scripted by torch.jit.script .*torch.jit.trace"):
        advlab.attack(Unscriptable(trained_cnn), x, y, "fgsm", eps=0.1)


def test_not_a_model(test_batch):
    x, y = test_batch
    with pytest.raises(advlab.AdvlabError, match="model must be a torch.nn.Module or a TorchScript module, got function"):
        advlab.attack(lambda t: t, x, y, "fgsm", eps=0.1)


@pytest.mark.parametrize("dtype,name", [(torch.float16, "Half"), (torch.bfloat16, "BFloat16")])
def test_reduced_precision_model_is_refused_by_name(dtype, name, scripted, test_batch):
    x, y = test_batch
    buffer = io.BytesIO()
    torch.jit.save(scripted, buffer)
    buffer.seek(0)
    reduced = torch.jit.load(buffer).to(dtype)
    with pytest.raises(advlab.AdvlabError, match=rf"^the model's weights are {name}: .*model\.float\(\)"):
        advlab.attack(reduced, x, y, "fgsm", eps=0.1)
