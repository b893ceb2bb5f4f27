"""The `splitlib` console script: one subcommand per entrypoint.

Subcommands are imported lazily so `splitlib fit` never pays for Spark or torch.
"""

from __future__ import annotations

import importlib
import sys

from splitlib.errors import UserError, storage_problem

# name -> (module, function, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": (
        "jobs.split",
        "main",
        "run the split job (Spark): corpus -> domains -> split on storage",
    ),
    "fit": ("splitlib.scaling.cli", "fit_main", "fit a scaling law L(N, D, D') to run records"),
    "plan": ("splitlib.scaling.cli", "plan_main", "choose the pretraining/specialization split"),
    "train": ("splitlib.train.cli", "main", "train the seed and the specialists from a manifest"),
    "sweep": ("splitlib.train.sweep", "main", "run a grid of (N, D, D') trainings for fitting"),
    "experiment": (
        "splitlib.experiment.cli",
        "main",
        "planned split vs no-split, 80/20 and a grid of f at equal compute",
    ),
    "route": ("splitlib.routing", "main", "route texts to domains with a run's router"),
    "domains": ("splitlib.domain_table", "main", "show a run's domains and which to read first"),
    "report": ("splitlib.report", "main", "rebuild report.html of a committed run"),
}


def _usage() -> str:
    lines = ["usage: splitlib <command> [options]", "", "commands:"]
    width = max(map(len, COMMANDS))
    lines += [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines += ["", "Run `splitlib <command> --help` for the options of a command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    if argv[0] == "--version":
        from splitlib import __version__

        print(__version__)
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"splitlib: error: unknown command {name!r}.\n\n{_usage()}", file=sys.stderr)
        return 2
    module, func, _ = COMMANDS[name]
    try:
        entry = getattr(importlib.import_module(module), func)
        return int(entry(rest) or 0)
    except UserError as err:
        print(f"splitlib {name}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"splitlib {name}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        problem = storage_problem(err)
        if problem is None:
            raise
        print(f"splitlib {name}: error: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
