"""One error type for bad user input, so the CLI can print it without a traceback."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input data or arguments. The message names the file/column/flag/value and says what to do."""
