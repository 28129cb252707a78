"""advlab.attack / advlab.evaluate give the command line's results, bit for bit on the
CPU, for the same model, data, options and seed."""
import json

import pytest
import torch

import advlab

# advlab writes its tensor files with torch::pickle_save, whose type tags torch >= 2.6's
# default torch.load(weights_only=True) refuses; these files are the test's own.

CASES = [
    ("fgsm", dict(norm="linf", eps=0.1)),
    ("pgd", dict(norm="linf", eps=0.1, steps=10, step_size=0.025)),
    ("pgd", dict(norm="l2", eps=1.5, steps=5, restarts=2)),
    ("apgd-ce", dict(norm="linf", eps=0.05, steps=10)),
    ("square", dict(norm="linf", eps=0.1, queries=50)),
]


def cli_flags(options):
    flags = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        flags += [flag, value] if flag in ("--norm", "--eps", "--steps", "--step-size", "--restarts",
                                           "--queries") else ["--set", f"{key}={value}"]
    return flags


@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{o['norm']}" for n, o in CASES])
def test_attack_equals_cli(name, options, cli, cli_files, scripted, test_batch, tmp_path, one_thread):
    x, y = test_batch
    ours = advlab.attack(scripted, x, y, name, seed=7, batch_size=16, **options)
    cli("attack", "--model", cli_files["model"], "--data", cli_files["data"], "--attack", name,
        *cli_flags(options), "--seed", 7, "--batch-size", 16, "--out", tmp_path / "out")
    theirs = torch.load(tmp_path / "out" / "adversarials.pt", weights_only=False)
    assert torch.equal(ours.adversarials, theirs["adversarials"])
    assert torch.equal(ours.success, theirs["success"])
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert ours.metrics["robust_accuracy"] == metrics["robust_accuracy"]
    assert ours.metrics["params"] == metrics["params"]
    assert ours.success.any(), "a comparison of runs that found nothing would prove little"


def test_targeted_attack_equals_cli(cli, cli_files, scripted, test_batch, tmp_path, one_thread):
    x, y = test_batch
    ours = advlab.attack(scripted, x, y, "pgd", norm="linf", eps=0.2, steps=10, targeted=True,
                         target="least-likely", seed=3, batch_size=32)
    cli("attack", "--model", cli_files["model"], "--data", cli_files["data"], "--attack", "pgd",
        "--norm", "linf", "--eps", 0.2, "--steps", 10, "--targeted", "--target", "least-likely",
        "--seed", 3, "--batch-size", 32, "--out", tmp_path / "out")
    theirs = torch.load(tmp_path / "out" / "adversarials.pt", weights_only=False)
    assert torch.equal(ours.targets, theirs["targets"])
    assert torch.equal(ours.adversarials, theirs["adversarials"])


def test_evaluate_equals_cli(cli, cli_files, scripted, test_batch, tmp_path, one_thread):
    x, y = test_batch
    ours = advlab.evaluate(scripted, x, y, norm="linf", eps=[0.05, 0.1], suite="fgsm,pgd",
                           options={"pgd": {"steps": 10}}, seed=5, batch_size=32)
    cli("eval", "--model", cli_files["model"], "--data", cli_files["data"], "--limit", 0,
        "--norm", "linf", "--eps", "0.05,0.1", "--suite", "fgsm,pgd", "--set", "pgd.steps=10",
        "--seed", 5, "--batch-size", 32, "--out", tmp_path / "eval")
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert ours.robust_accuracy == {r["eps"]: r["robust_accuracy"] for r in report["results"]}
    assert ours.data["smallest_distance"] == report["smallest_distance"]
    for eps in (0.05, 0.1):
        theirs = torch.load(tmp_path / "eval" / f"adversarials-eps{eps:g}.pt", weights_only=False)
        assert torch.equal(ours.adversarials[eps], theirs["adversarials"])
    assert ours.robust_accuracy[0.1] < ours.clean_accuracy


def test_evaluate_applies_the_suites_budgets_as_the_cli(scripted, test_batch, one_thread):
    # `standard` is AutoAttack's recipe in Python too: Square's 5000 queries and, at L1,
    # APGD-CE's 5 runs and APGD-T's 5 targets; what the caller sets wins.
    x, y = test_batch
    x, y = x[:8], y[:8]

    def params(report):
        return {a["attack"]: a["params"] for a in report.data["results"][0]["attacks"]}

    report = advlab.evaluate(scripted, x, y, norm="l1", eps=[40.0], suite="standard", checks=False)
    assert report.data["queries"] == 5000
    assert params(report)["apgd-ce"]["restarts"] == 5
    assert params(report)["apgd-t"]["target_classes"] == 5
    assert params(report)["fab-t"]["steps"] == 100
    report = advlab.evaluate(scripted, x, y, norm="l1", eps=[40.0], suite="standard", checks=False,
                             queries=300, options={"apgd-ce": {"restarts": 2}})
    assert report.data["queries"] == 300
    assert params(report)["apgd-ce"]["restarts"] == 2
    assert params(report)["apgd-t"]["target_classes"] == 5
    report = advlab.evaluate(scripted, x, y, norm="linf", eps=[0.3], suite="fgsm,square", checks=False)
    assert report.data["queries"] == 1000
    with pytest.raises(advlab.AdvlabError, match=r"^query budget must be an integer >= 1, got 0$"):
        advlab.evaluate(scripted, x, y, eps=[0.1], queries=0)
