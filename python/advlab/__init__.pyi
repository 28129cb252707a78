"""Type stubs of the public advlab API."""
from os import PathLike
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch

from . import attackbench as attackbench

__version__: str

class AdvlabError(ValueError): ...

Model = Union[torch.nn.Module, torch.jit.ScriptModule]
Option = Union[bool, int, float, str, PathLike]

class AttackResult:
    adversarials: torch.Tensor
    success: torch.Tensor
    distance: torch.Tensor
    queries: torch.Tensor
    predictions: torch.Tensor
    clean_predictions: torch.Tensor
    gradients: torch.Tensor
    distances: Dict[str, torch.Tensor]
    metrics: dict
    minimum_distance: Optional[torch.Tensor]
    targets: Optional[torch.Tensor]
    def save(self, directory: Union[str, PathLike]) -> None: ...

class EvaluationReport:
    data: dict
    clean_accuracy: float
    robust_accuracy: Dict[float, float]
    per_attack: Dict[str, Dict[float, float]]
    adversarials: Dict[float, torch.Tensor]
    robust: Dict[float, torch.Tensor]
    warnings: List[str]
    def to_json(self) -> str: ...
    def save(self, directory: Union[str, PathLike]) -> None: ...
    def save_html(self, path: Union[str, PathLike]) -> None: ...

class AttackInfo:
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

def attack(
    model: Model, inputs: torch.Tensor, labels: torch.Tensor, name: str, *,
    norm: Optional[str] = ..., eps: Optional[float] = ..., steps: Optional[int] = ...,
    step_size: Optional[float] = ..., restarts: Optional[int] = ..., queries: Optional[int] = ...,
    targeted: bool = ..., target: Union[str, int] = ..., targets: Optional[torch.Tensor] = ...,
    seed: int = ..., batch_size: int = ..., bounds: Tuple[float, float] = ...,
    mean: Optional[Sequence[float]] = ..., std: Optional[Sequence[float]] = ...,
    progress: bool = ..., **options: Option,
) -> AttackResult: ...
def evaluate(
    model: Model, inputs: torch.Tensor, labels: torch.Tensor, *, norm: str = ...,
    eps: Union[float, Sequence[float]] = ..., suite: str = ..., queries: Optional[int] = ...,
    options: Optional[Dict[str, Dict[str, Option]]] = ..., individual: bool = ...,
    checks: bool = ..., seed: int = ..., batch_size: int = ..., bounds: Tuple[float, float] = ...,
    mean: Optional[Sequence[float]] = ..., std: Optional[Sequence[float]] = ...,
    progress: bool = ...,
) -> EvaluationReport: ...
def list_attacks() -> List[AttackInfo]: ...
