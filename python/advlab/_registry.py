"""advlab.list_attacks: the attack registry."""
import json
from dataclasses import dataclass
from typing import List, Optional

from . import _advlab


@dataclass(frozen=True)
class AttackInfo:
    """One registered attack. `table` is its parameter table (one dict per option: name,
    type, default, required, range, help, aliases), `params` maps every option to its
    default (None: required, or none), `required_params` names the options it needs."""

    name: str
    help: str
    family: str
    norms: List[str]
    targeted: bool
    minimum_norm: bool
    physical: bool
    required_options: List[str]
    params: dict
    required_params: List[str]
    table: List[dict]


def list_attacks() -> List[AttackInfo]:
    """Every registered attack, in the order ``advlab list-attacks`` prints them."""
    out = []
    for d in _advlab.list_attacks():
        d = dict(d)
        d["table"] = json.loads(d.pop("table_json"))
        d["params"] = {row["name"]: row["default"] for row in d["table"]}
        d["required_params"] = [row["name"] for row in d["table"] if row["required"]]
        out.append(AttackInfo(**d))
    return out
