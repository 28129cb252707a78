"""advlab.list_attacks is the command line's registry, and every attack in it is
reachable from Python with its options."""
import pytest
import torch

import advlab


def test_same_attacks_as_cli(cli):
    listed = cli("list-attacks").stdout.strip().splitlines()[1:]
    assert [a.name for a in advlab.list_attacks()] == [line.split()[0] for line in listed]


def test_parameter_tables():
    attacks = {a.name: a for a in advlab.list_attacks()}
    pgd = attacks["pgd"]
    assert pgd.family == "white-box" and "linf" in pgd.norms and not pgd.minimum_norm
    assert {"norm", "eps", "steps"} <= set(pgd.params)
    assert attacks["fab"].minimum_norm
    assert "generator" in attacks["advgan"].required_options and attacks["advgan"].params["generator"] is None
    assert attacks["pgd"].params["steps"] == 40 and attacks["pgd"].required_params == ["eps"]
    steps = next(row for row in attacks["apgd-ce"].table if row["name"] == "steps")
    assert steps["type"] == "integer" and "n_iter" in steps["aliases"] and steps["range"] == ">= 1"
    for a in attacks.values():
        assert a.table, f"{a.name} has no parameter table"


@pytest.mark.parametrize("attack", advlab.list_attacks(), ids=lambda a: a.name)
def test_every_attack_reachable_with_its_options(attack, scripted, test_batch):
    # Options reach the attack's own option reader, which rejects one it does not have
    # after reading the ones it does: proof the name and the options got through.
    x, y = test_batch
    if attack.required_options:
        with pytest.raises(advlab.AdvlabError, match=f"^{attack.name} needs option '{attack.required_options[0]}'"):
            advlab.attack(scripted, x, y, attack.name)
        return
    required = {key: 0.1 for key in attack.required_params}
    with pytest.raises(advlab.AdvlabError, match=f"^{attack.name} has no option 'not_an_option'"):
        advlab.attack(scripted, x, y, attack.name, not_an_option=1, **required)


@pytest.mark.parametrize("name,options", [
    ("bim", dict(eps=0.1, steps=5)), ("mifgsm", dict(eps=0.1, steps=5)),
    ("deepfool", dict(norm="l2")), ("fmn", dict(norm="l2", steps=10)),
    ("simba", dict(norm="l2", eps=2.0, queries=100)), ("jsma", dict()),
])
def test_attacks_of_every_family_run(name, options, scripted, test_batch):
    x, y = test_batch[0][:16], test_batch[1][:16]
    adv = advlab.attack(scripted, x, y, name, **options)
    assert adv.success.sum() >= 4, f"{name} broke only {int(adv.success.sum())} of 16"
    assert torch.equal(scripted(adv.adversarials).argmax(1) != y, adv.success)
