"""Turning the caller's model into the TorchScript module the C++ core runs."""
import weakref

import torch

from . import _advlab

# Scripting costs a compile; a model attacked batch after batch is scripted once.
_scripted = weakref.WeakKeyDictionary()


def script_module(model, example_inputs=None):
    """The ``torch._C.ScriptModule`` behind ``model``.

    A ``torch.jit.ScriptModule`` (scripted or traced) is used as it is. A plain
    ``nn.Module`` is scripted with ``torch.jit.script``; where that fails and
    ``example_inputs`` are given it is traced on them (AttackBench hands over plain
    modules), otherwise :class:`advlab.AdvlabError` says to script or trace it.
    """
    if isinstance(model, torch.jit.ScriptModule):
        return model._c
    if isinstance(model, torch._C.ScriptModule):
        return model
    if not isinstance(model, torch.nn.Module):
        raise _advlab.AdvlabError(
            f"model must be a torch.nn.Module or a TorchScript module, got {type(model).__name__}")
    cached = _scripted.get(model)
    if cached is not None:
        return cached._c
    try:
        scripted = torch.jit.script(model)
    except Exception as error:  # torch raises many types for unscriptable code
        if example_inputs is None:
            cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise _advlab.AdvlabError(
                f"model {type(model).__name__} cannot be scripted by torch.jit.script ({cause}): "
                "pass torch.jit.script(model) or torch.jit.trace(model.eval(), example_inputs) instead"
            ) from None
        with torch.no_grad():
            scripted = torch.jit.trace(model, example_inputs[:1], check_trace=False)
    _scripted[model] = scripted
    return scripted._c
