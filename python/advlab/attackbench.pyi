from typing import Callable, Optional

import torch

AttackFn = Callable[..., torch.Tensor]

def attack(name: str, **options: object) -> Callable[
    [torch.nn.Module, torch.Tensor, torch.Tensor, Optional[torch.Tensor], bool], torch.Tensor]: ...
