"""Python values to the key=value strings the attack registry reads (as `--set` gives them)."""
import math
import os

from . import _advlab


def option_text(key, value):
    """The registry's text for one option value: booleans as true/false, numbers exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _advlab.AdvlabError(f"option '{key}' must be a finite number, got {value}")
        return repr(value)  # shortest text that reads back as the same double
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    raise _advlab.AdvlabError(
        f"option '{key}' must be a bool, int, float, str or path, got {type(value).__name__}")


def option_texts(options):
    """{key: text} for the options given; None means "the attack's default"."""
    return {key: option_text(key, value) for key, value in options.items() if value is not None}


def check_eps(eps):
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise _advlab.AdvlabError(f"eps must be a number, got {type(eps).__name__}")
    if not eps >= 0:  # also rejects NaN
        raise _advlab.AdvlabError(f"eps must be >= 0, got {eps}")


def channel_values(name, values):
    if values is None:
        return []
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        raise _advlab.AdvlabError(f"{name} must be a list of numbers, one per channel, got {values!r}") from None
