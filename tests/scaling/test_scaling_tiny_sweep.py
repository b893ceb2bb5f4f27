"""`splitlib fit` and `splitlib plan` as a user runs them, on the real tiny sweep.

The sweep (tests/data/tiny-sweep-runs.jsonl, see shared/data/README.md) has three sizes
of at most 3.2M parameters trained on at most 0.27 tokens per parameter, two seeds for
part of the smallest size: every form fits it, none extrapolates in N better than
copying the next-smaller size, and the engine must say so.
"""

import contextlib
import io
import json

import pytest
from scaling_synth import TINY_SWEEP

from splitlib.cli import main
from splitlib.manifest import write_manifest

pytestmark = pytest.mark.slow  # one `fit --form auto` on 196 real runs: about 10 s

PNG = b"\x89PNG\r\n\x1a\n"


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fit")
    law = folder / "law.json"
    code, out, err = _run(
        ["fit", str(TINY_SWEEP), "--form", "auto", "--bootstrap", "0", "--out", str(law)]
    )
    assert code == 0, err
    return folder, json.loads(law.read_text()), out


def test_fit_writes_law_json_and_figures(fitted):
    folder, doc, out = fitted
    for name in ("law-curves.png", "law-residuals.png"):
        assert (folder / name).read_bytes()[:8] == PNG
    assert {"E", "A", "alpha", "B", "beta"} <= set(doc["params"])
    assert doc["runs"] == {
        "records": 260,
        "used": 196,
        "dropped": {"kind=seed_stable": 64},
        "excluded_highest_loss": 0,
        "fitted": 196,
        "source": str(TINY_SWEEP),
    }
    assert f"wrote {folder / 'law.json'}" in out and "identified: NO" in out


def test_auto_keeps_the_form_that_extrapolates_best_and_says_why(fitted):
    _, doc, out = fitted
    candidates = {c["form"]: c for c in doc["selection"]["candidates"]}
    assert set(candidates) == {"chinchilla", "additive", "effective", "interaction"}
    best = min(candidates, key=lambda f: candidates[f]["held_out"]["form"]["mre"])
    assert doc["form"] == best
    assert doc["selection"]["reason"].startswith(
        f"{best} has the lowest held-out MRE at N=3.214e+06"
    )
    assert f"chosen: {best} -- " in out


def test_every_form_fits_in_sample_and_none_beats_the_naive_baseline(fitted):
    _, doc, _ = fitted
    for c in doc["selection"]["candidates"]:
        held = c["held_out"]
        assert c["in_sample"]["r2"] > (0.8 if c["form"] == "chinchilla" else 0.94)
        assert 0.015 < held["form"]["mre"] < 0.06
        assert held["fit_sizes"] == [100672.0, 603008.0]
        # the naive baseline is a property of the data: the M-size loss copied to size L
        assert held["naive"]["runs"] == 52
        assert held["naive"]["mre"] == pytest.approx(0.0085165, rel=1e-4)
        assert held["beats_naive"] is False


def test_the_fit_reports_that_the_exponent_in_n_is_not_identified(fitted):
    _, doc, _ = fitted
    diag = doc["diagnostics"]
    assert diag["identified"] is False and diag["n_exponent_identified"] is False
    assert diag["tokens_per_param_largest"] == pytest.approx((655360 + 202752) / 3213568)
    assert diag["noise"] == {
        "groups": 28,
        "runs": 56,
        "relative_std": pytest.approx(0.0401, abs=5e-4),
    }
    text = " ".join(diag["warnings"])
    assert "only 3 distinct model size(s)" in text
    assert "saw at most 0.267 tokens per parameter" in text
    assert "no form beats the naive baseline" in text
    assert "the size effect is buried in noise" in text
    assert "which is within the seed-to-seed noise of 4% per run" in diag["forms_vs_noise"]


def test_plan_prints_a_table_and_writes_json_and_png(fitted):
    folder, doc, _ = fitted
    plan_path = folder / "plan.json"
    code, out, err = _run(
        ["plan", "--law", str(folder / "law.json"), "--params", "3213568", "--tokens", "870000",
         "--out", str(plan_path)]
    )  # fmt: skip
    assert code == 0, err
    plan = json.loads(plan_path.read_text())
    assert (folder / "plan.png").read_bytes()[:8] == PNG
    assert set(plan["special_tokens"]) == {"kjv-bible", "python-docs", "wikibooks-recipes"}
    assert plan["pretrain_tokens"] + sum(plan["special_tokens"].values()) == 870000
    for base in plan["baselines"].values():
        assert plan["predicted_mean_loss"] <= base["predicted_mean_loss"]
    assert "optimum" in out and "no_split" in out and "80/20" in out
    assert "law warning: no form beats the naive baseline" in out


def test_plan_reads_domains_and_data_limits_from_a_manifest(fitted, tmp_path):
    folder, _, _ = fitted
    write_manifest(
        str(tmp_path),
        {
            "domains": [
                {"name": "kjv-bible", "train_tokens": 30000, "valid_tokens": 1, "docs": 1},
                {"name": "legal", "train_tokens": 500000, "valid_tokens": 1, "docs": 1},
            ],
            "counts": {"train_tokens": 2_000_000},
        },
    )
    out_path = tmp_path / "plan.json"
    code, out, err = _run(
        ["plan", "--law", str(folder / "law.json"), "--params", "3.2M", "--flops", "1.7e13",
         "--manifest", str(tmp_path), "--out", str(out_path), "--no-plot"]
    )  # fmt: skip
    assert code == 0, err
    plan = json.loads(out_path.read_text())
    assert plan["data_limits"]["special_max_tokens"] == {"kjv-bible": 120000.0, "legal": 2e6}
    assert plan["data_limits"]["pretrain_max_tokens"] == 8e6
    assert plan["special_tokens"]["kjv-bible"] <= 120000
    assert any("domain 'legal' was not among the fitted domains" in n for n in plan["notes"])
    assert not (tmp_path / "plan.png").exists()


def test_fit_is_byte_identical_across_runs_bootstrap_included(tmp_path):
    outputs = []
    for name in ("a.json", "b.json"):
        code, _, err = _run(
            ["fit", str(TINY_SWEEP), "--form", "chinchilla", "--bootstrap", "3", "--no-plots",
             "--out", str(tmp_path / name)]
        )  # fmt: skip
        assert code == 0, err
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["intervals"]["alpha"][0] > 0


def test_settings_from_a_config_file_and_set_overrides(tmp_path):
    config = tmp_path / "fit.toml"
    config.write_text('[fit]\nform = "effective"\nbootstrap = 0\nper_domain = ["E"]\n')
    law = tmp_path / "law.json"
    code, _, err = _run(
        ["fit", str(TINY_SWEEP), "--config", str(config), "--set", "form=chinchilla",
         "--no-plots", "--out", str(law)]
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(law.read_text())
    assert doc["form"] == "chinchilla" and doc["per_domain"] == ["E"]
    assert doc["config"]["bootstrap"] == 0 and isinstance(doc["params"]["B"], float)


@pytest.mark.parametrize(
    ("lines", "argv", "message"),
    [
        (['{"n_params": 1e6, "pretrain_tokens": 1e7, "special_tokens": 0, "domain": null, '
          '"loss": NaN}'], [], "bad run record in"),
        (['{"n_params": -1, "pretrain_tokens": 1e7, "special_tokens": 0, "domain": null, '
          '"loss": 3.0}'], [], "n_params=-1"),
        (['{"n_params": 1e6, "pretrain_tokens": 1e7, "special_tokens": 0, "domain": null, '
          '"loss": 3.0}'], ["--form", "chinchilla"], "1 runs cannot fit form 'chinchilla'"),
        ([], ["--set", "form=kaplan"], "unknown law form 'kaplan'"),
    ],
)  # fmt: skip
def test_bad_input_gives_one_clear_error_and_exit_code_2(tmp_path, lines, argv, message):
    runs = tmp_path / "runs.jsonl"
    runs.write_text("\n".join(lines or ['{"n_params": 1}']) + "\n")
    code, out, err = _run(["fit", str(runs), "--out", str(tmp_path / "law.json"), *argv])
    assert code == 2
    assert err.startswith("splitlib fit: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_fit_and_plan_never_replace_a_file_they_did_not_write(fitted, tmp_path):
    """--out may be a new path or a file splitlib wrote; an input, a folder, a user's file or
    a user's figure where a figure would go are refused before anything is written."""
    folder, _, _ = fitted
    law = str(folder / "law.json")
    runs = tmp_path / "runs.jsonl"
    runs.write_bytes(TINY_SWEEP.read_bytes())
    mine = tmp_path / "mine.json"
    mine.write_text('{"my": "notes"}\n')
    fit = ["fit", str(runs), "--form", "chinchilla", "--bootstrap", "0", "--out"]
    plan = ["plan", "--law", law, "--params", "3M", "--tokens", "1M", "--out"]
    for argv, message in (
        (fit + [str(runs)], f"--out {str(runs)!r} is an input of this command; write to another path."),
        (fit + [str(mine)], f"--out {str(mine)!r} exists and splitlib did not write it; choose another path, or move that file away."),
        (fit + [str(tmp_path)], f"--out {str(tmp_path)!r} is a folder; give a file path, e.g. {tmp_path}/law.json."),
        (plan + [law], f"--out {law!r} is an input of this command; write to another path."),
        (plan + [str(mine)], f"--out {str(mine)!r} exists and splitlib did not write it; choose another path, or move that file away."),
    ):  # fmt: skip
        code, _, err = _run(argv)
        assert code == 2 and err == f"splitlib {argv[0]}: error: {message}\n"
    assert runs.read_bytes() == TINY_SWEEP.read_bytes() and mine.read_text() == '{"my": "notes"}\n'
    # a user's picture where the figure goes: refused, unless no figures are asked for
    (tmp_path / "law-curves.png").write_bytes(b"mine")
    code, _, err = _run(fit + [str(tmp_path / "law.json")])
    curves = str(tmp_path / "law-curves.png")
    assert code == 2 and f"error: {curves!r} exists and splitlib did not write it" in err
    assert err.rstrip().endswith("or pass --no-plots.") and not (tmp_path / "law.json").exists()
    code, _, err = _run(fit + [str(tmp_path / "law.json"), "--no-plots"])
    assert code == 0 and (tmp_path / "law-curves.png").read_bytes() == b"mine"
    # its own files are replaced: the law it wrote, and then the plan and figure it wrote
    code, _, err = _run(fit + [str(tmp_path / "law.json"), "--no-plots"])
    assert code == 0, err
    for _ in range(2):
        code, out, err = _run(plan + [str(tmp_path / "plan.json")])
        assert code == 0 and (tmp_path / "plan.png").read_bytes().startswith(PNG), err
    (tmp_path / "plan.png").write_bytes(b"mine")
    code, _, err = _run(plan + [str(tmp_path / "plan.json")])
    assert code == 2 and err.rstrip().endswith("or pass --no-plot.")
