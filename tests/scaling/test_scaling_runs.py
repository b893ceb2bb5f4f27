"""Run records: reading, which runs are fitted, and one clear error for bad input."""

import json

import numpy as np
import pytest
from scaling_synth import TINY_SWEEP

from splitlib.errors import UserError
from splitlib.scaling.runs import MIXTURE, load_runs, read_run_records, runs_from_records


def _record(**over):
    base = {
        "n_params": 1e6,
        "pretrain_tokens": 2e7,
        "special_tokens": 0,
        "domain": None,
        "loss": 4.0,
    }
    return {**base, **over}


def test_tiny_sweep_default_selection_keeps_decayed_seeds_and_specialists():
    runs, selection = load_runs(str(TINY_SWEEP))
    assert selection.n_records == 260
    assert selection.dropped == {"kind=seed_stable": 64}
    assert len(runs) == 196
    assert runs.domains == ("kjv-bible", MIXTURE, "python-docs", "wikibooks-recipes")
    assert list(runs.sizes) == [100672.0, 603008.0, 3213568.0]
    # "mix" is the mixture; it is only ever measured without specialization
    assert (runs.special_tokens[runs.domain == MIXTURE] == 0).all()
    assert int((runs.special_tokens > 0).sum()) == 132


def test_all_kinds_can_be_fitted():
    runs, selection = load_runs(str(TINY_SWEEP), kinds=None)
    assert len(runs) == 260 and selection.dropped == {}


def test_null_mixture_and_mix_alias_are_one_domain():
    records = [_record(domain=None), _record(domain="mix", loss=4.1), _record(domain="mixture")]
    runs, _ = runs_from_records(records)
    assert runs.domains == (MIXTURE,)


def test_mixture_loss_of_a_specialist_is_forgetting_and_left_out():
    records = [_record(), _record(special_tokens=1e6, domain=None, kind="spec")]
    runs, selection = runs_from_records(records)
    assert len(runs) == 1
    assert selection.dropped == {"mixture loss of a specialist (forgetting)": 1}
    runs, _ = runs_from_records(records, include_forgetting=True)
    assert len(runs) == 2


def test_order_of_records_does_not_matter():
    records = read_run_records(str(TINY_SWEEP))
    a, _ = runs_from_records(records)
    b, _ = runs_from_records(records[::-1])
    for name in ("n_params", "pretrain_tokens", "special_tokens", "domain", "loss", "seed"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_csv_with_the_same_columns(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text(
        "n_params,pretrain_tokens,special_tokens,domain,loss,kind\n"
        "1000000,20000000,0,,4.5,seed_decay\n"
        "1000000,20000000,5000000,code,3.9,spec\n"
        "1000000,20000000,0,code,4.7,seed_stable\n"
    )
    runs, selection = load_runs(str(path))
    assert runs.domains == ("code", MIXTURE)
    assert list(runs.loss) == [3.9, 4.5]
    assert selection.dropped == {"kind=seed_stable": 1}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_record(loss=float("nan")), "loss=nan"),
        (_record(loss=-1.0), "loss=-1.0"),
        (_record(n_params=0), "n_params=0"),
        (_record(pretrain_tokens=0), "pretrain_tokens=0"),
        (_record(special_tokens=-5), "special_tokens=-5"),
        (_record(loss="high"), "non-numeric"),
        (_record(n_params=True), "non-numeric"),  # float(True) == 1.0: read as N = 1 before
        (_record(n_params=1e300), "n_params=1e+300"),  # one such record changed the fit's form
        (_record(pretrain_tokens=2e16), "pretrain_tokens=2e+16"),
        (_record(special_tokens=1e17), "special_tokens=1e+17"),
        (_record(loss=250.0), "loss=250.0"),
        ({"n_params": 1e6, "loss": 3.0}, "lacks pretrain_tokens, special_tokens, domain"),
    ],
)
def test_bad_records_give_one_clear_error(record, message):
    with pytest.raises(UserError, match="bad run record") as err:
        runs_from_records([_record(), record, record])
    text = str(err.value)
    assert message in text and "record 2" in text and "(and 1 more)" in text


def test_bad_json_names_the_line(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(_record()) + "\n{not json\n")
    with pytest.raises(UserError, match=r"runs.jsonl:2 is not valid JSON"):
        read_run_records(str(path))


def test_missing_file_and_no_usable_runs(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_run_records(str(tmp_path / "absent.jsonl"))
    with pytest.raises(UserError, match="no usable runs"):
        runs_from_records([_record(kind="seed_stable")])
