"""The scaling-law engine: fit L(N, D, D') on run records, check that it extrapolates,
and choose the split of a compute budget between pretraining and specialists.

    runs, selection = load_runs("runs.jsonl")
    result = fit_law(runs, FitConfig(form="auto"), selection)   # result.document: law.json
    plan = make_plan(result.document, n_params=125e6, flops=1e19)

Needs numpy and scipy only; matplotlib is imported by the plots when they are drawn.
"""

from splitlib.scaling.allocate import DomainBudget, compute_optimal, optimal_split
from splitlib.scaling.engine import FitConfig, LawFit, fit_law
from splitlib.scaling.fit import FitOptions, fit_form
from splitlib.scaling.forms import FORMS, get_form
from splitlib.scaling.law import Law, law_from_document, read_law_document
from splitlib.scaling.plan import make_plan
from splitlib.scaling.runs import Runs, load_runs, read_run_records, runs_from_records

__all__ = [
    "FORMS",
    "DomainBudget",
    "FitConfig",
    "FitOptions",
    "Law",
    "LawFit",
    "Runs",
    "compute_optimal",
    "fit_form",
    "fit_law",
    "get_form",
    "law_from_document",
    "load_runs",
    "make_plan",
    "optimal_split",
    "read_law_document",
    "read_run_records",
    "runs_from_records",
]
