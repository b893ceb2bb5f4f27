"""Every mistake a user can make with `splitlib train` ends in one clear message, exit 2."""

import json
import shutil
from pathlib import Path

import pytest

from splitlib.cli import main
from splitlib.manifest import read_manifest
from splitlib.train.data import split_shards

TINY = ["--seq-len", "32", "--batch-seqs", "2", "--threads", "1", "--eval-tokens", "500"]


def _train(capsys, *args):
    code = main(["train", *TINY, *args])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("splitlib train: error:")]
    return code, lines, err


def _train_10k(capsys, manifest, out, *args):
    """`_train` of the 10k model with tiny explicit budgets, so no plan is needed."""
    return _train(
        capsys,
        "--manifest",
        str(manifest),
        "--model",
        "10k",
        "--out",
        str(out),
        "--pretrain-tokens",
        "1k",
        "--special-tokens",
        "1k",
        *args,
    )


def test_missing_manifest(capsys, tmp_path):
    code, lines, err = _train(
        capsys, "--manifest", str(tmp_path), "--model", "10k", "--out", str(tmp_path / "o")
    )
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert "no manifest.json" in lines[0] and "not a committed split run" in lines[0]


def test_unknown_model_size(capsys, split_run, tmp_path):
    code, lines, _ = _train(
        capsys, "--manifest", split_run, "--model", "7b", "--out", str(tmp_path)
    )
    assert code == 2 and len(lines) == 1 and "unknown model size '7b'" in lines[0]


@pytest.mark.parametrize(
    "args",
    [["--domains", "kjv-bible,klingon"], ["--special-tokens", "klingon=1k,kjv-bible=1k"]],
)
def test_domain_not_in_the_manifest(capsys, split_run, tmp_path, args):
    code, lines, _ = _train_10k(capsys, split_run, tmp_path, *args)
    assert code == 2 and len(lines) == 1
    assert (
        "domain 'klingon' not" in lines[0]
        and "known: kjv-bible, python-docs, wikibooks-recipes" in lines[0]
    )


def test_no_budget_and_no_plan(capsys, split_run, tmp_path):
    code, lines, _ = _train(
        capsys, "--manifest", split_run, "--model", "10k", "--out", str(tmp_path)
    )
    assert code == 2 and len(lines) == 1 and "no token budget" in lines[0]


def test_shard_checksum_mismatch(capsys, split_run, tmp_path):
    run = str(tmp_path / "split")
    shutil.copytree(split_run, run)
    for shard in split_shards(run, read_manifest(run), "mixture"):
        path = Path(shard.url)
        data = bytearray(path.read_bytes())
        data[100] ^= 0xFF
        path.write_bytes(bytes(data))
    code, lines, err = _train_10k(capsys, run, tmp_path / "o")
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert "checksum mismatch for shard" in lines[0] and "data/mixture/part-0000" in lines[0]


def test_out_with_a_run_needs_resume(capsys, split_run, tmp_path):
    # a run's config.json, as runs wrote it before the folder marker
    (tmp_path / "config.json").write_text(json.dumps({"config": {}, "manifest_sha256": "0"}))
    code, lines, _ = _train_10k(capsys, split_run, tmp_path)
    assert code == 2 and "already holds a training run: pass --resume" in lines[0]


def test_out_that_holds_a_users_files_is_refused_untouched(capsys, split_run, tmp_path):
    """train and sweep write only into a new or empty folder, or one they wrote: a user's
    records, a user's config.json, a file, the split run read and its data/ are refused."""
    users = tmp_path / "mine"
    users.mkdir()
    (users / "runs.jsonl").write_text('{"my": "run record"}\n')
    (users / "config.json").write_text('{"lr": 0.1}\n')
    before = {p.name: p.read_bytes() for p in users.iterdir()}
    code, lines, err = _train_10k(capsys, split_run, users)
    assert code == 2 and "Traceback" not in err
    assert lines == [
        f"splitlib train: error: --out {str(users)!r} holds files splitlib's train did not "
        "write ('config.json' and 1 more); choose a new or empty folder."
    ]
    assert {p.name: p.read_bytes() for p in users.iterdir()} == before  # nothing written
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    code, lines, _ = _train_10k(capsys, split_run, a_file)
    assert lines == [
        f"splitlib train: error: --out {str(a_file)!r} is a file; train writes a folder: give a "
        "new folder."
    ]
    for inside in (split_run, f"{split_run}/data"):
        code, lines, _ = _train_10k(capsys, split_run, inside)
        assert code == 2 and lines == [
            f"splitlib train: error: --out {inside!r} is inside the split run {split_run!r} "
            "that train reads; write its output to a folder of its own."
        ]
    code = main(["sweep", "--manifest", split_run, "--out", str(users), "--preset", "smoke"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines()[-1] == (
        f"splitlib sweep: error: --out {str(users)!r} holds files splitlib's sweep did not "
        "write ('config.json' and 1 more); choose a new or empty folder."
    )
    assert {p.name: p.read_bytes() for p in users.iterdir()} == before


def test_grids_and_counts_are_checked_before_anything_runs(capsys, split_run, tmp_path):
    out = tmp_path / "sweep"

    def refused(*args: str) -> str:
        assert main(list(args)) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        return line

    sweep = ["sweep", "--manifest", split_run, "--out", str(out)]
    assert refused(*sweep, "--tokens-per-param", "0") == (
        "splitlib sweep: error: --tokens-per-param and --special-tokens must be positive, e.g. "
        "--tokens-per-param 1,4 --special-tokens 5k,20k."
    )
    assert refused(*sweep, "--domains", "kjv-bible,nosuch") == (
        "splitlib sweep: error: --domains: nosuch not in the split; its domains: kjv-bible, "
        "python-docs, wikibooks-recipes."
    )
    assert refused(*sweep, "--sizes", "10k,20k").startswith(
        "splitlib sweep: error: unknown model size '20k'."
    )
    assert not out.exists()  # nothing claimed, nothing trained
    # 0 is a value, not "the preset's": refused before the sweep the experiment starts with
    assert refused("experiment", "--manifest", split_run, "--out", str(out),
                   "--compute-multiple", "0") == (
        "splitlib experiment: error: --compute-multiple 0: the target must spend at least 2x "
        "the sweep's largest compute, so that the law extrapolates."
    )  # fmt: skip
    with pytest.raises(SystemExit):
        main([*sweep, "--seeds", "a"])
    assert "argument --seeds: not whole numbers: 'a' (comma-separated, e.g. 0,1,2)" in (
        capsys.readouterr().err
    )
    code, lines, _ = _train(capsys, "--manifest", split_run, "--model", "10k", "--out",
                            str(tmp_path / "t"), "--pretrain-tokens", "0", "--special-tokens", "1k")  # fmt: skip
    assert code == 2 and lines == [
        "splitlib train: error: --pretrain-tokens 0: the seed must pretrain on some tokens, e.g. 2M."
    ]
    assert not out.exists()
