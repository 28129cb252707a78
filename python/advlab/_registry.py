"""advlab.list_attacks: the attack registry."""
import json
from dataclasses import dataclass
from typing import List, Optional

from . import _advlab


@dataclass(frozen=True)
class AttackInfo:
    """One registered attack. `params` maps every option to its default (None for
    attacks that cannot be built without `required_options`, such as a generator file)."""

    name: str
    help: str
    family: str
    norms: List[str]
    targeted: bool
    minimum_norm: bool
    physical: bool
    required_options: List[str]
    params: Optional[dict]


def list_attacks() -> List[AttackInfo]:
    """Every registered attack, in the order ``advlab list-attacks`` prints them."""
    out = []
    for d in _advlab.list_attacks():
        d = dict(d)
        d["params"] = json.loads(d.pop("params_json"))
        out.append(AttackInfo(**d))
    return out
