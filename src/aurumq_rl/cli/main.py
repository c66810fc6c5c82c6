"""The `aurumq-rl` command line: one entry point, one module per command group.

Each command module exposes `register(subparsers)`; bad input (`DataError`) prints one clear line and exits 2,
never a traceback; Ctrl-C prints `interrupted` and exits 130; SIGTERM exits 143 after the same clean-up (no temp
file left); a closed pipe (`| head`) exits 141 quietly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import warnings

from aurumq_rl import __version__
from aurumq_rl.errors import DataError

COMMAND_MODULES: tuple[str, ...] = ("demo", "synth", "data", "factors", "train", "export", "infer", "eval", "sl")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aurumq-rl", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"aurumq-rl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for mod in COMMAND_MODULES:
        importlib.import_module(f"aurumq_rl.cli.{mod}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.simplefilter("default")
    warnings.formatwarning = lambda msg, cat, *_a, **_k: f"warning: {msg}\n"  # type: ignore[assignment]
    previous = _exit_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `aurumq-rl factors list | head`: the reader left, as for any Unix filter
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush cannot fail
        return 141  # 128 + SIGPIPE, what a shell reports for a filter whose reader left
    except OSError as exc:  # a file system refusing what the up-front checks allowed (full, read-only, NFS
        # root_squash, a pseudo-fs): one line naming the path, as for bad input, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc} (the file system refused it; check the path, its permissions "
              "and the free space)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the atomic writers have already removed their temp files
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _exit_on_sigterm() -> object:
    """SIGTERM (`kill`, `timeout`, `docker stop`, a batch scheduler's time limit) ends the command through Python's
    unwinding, as Ctrl-C does, so the atomic writers remove their temp files (a default SIGTERM kills at once and
    leaves them); exit status 143 as for the signal. Returns the handler it replaced (None off the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread: leave signals alone
        return None


if __name__ == "__main__":
    sys.exit(main())
