"""One error type for bad user input, so the CLI can print it without a traceback."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input data or arguments. The message names the file/column/flag/value and says what to do."""


class WindowError(DataError):
    """A date window of otherwise valid data holds nothing to use (no trading date, no universe stock): the
    dates are at fault, not the data, so a caller that chose the dates can name its flag (`export`)."""


def did_you_mean(name: str, choices: list[str]) -> str:
    """' (did you mean a, b?)' with up to three close names from `choices`, or '' when none is close: the one
    way error messages suggest a fix for a mistyped factor, column or family."""
    import difflib

    near = difflib.get_close_matches(name, choices, n=3)
    return f" (did you mean {', '.join(near)}?)" if near else ""
