"""Real training of tiny models on real text: the seed learns, specialists beat the seed
and the no-split baseline on their own domain, replay limits forgetting, and the run
records follow the contract the scaling-law engine reads."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import TINY_MODEL

from splitlib.cli import main
from splitlib.manifest import read_manifest
from splitlib.train.cli import config_from, parser, train
from splitlib.train.resolve import Budget

DOMAINS = ["kjv-bible", "python-docs", "wikibooks-recipes"]
SMALL = [
    *TINY_MODEL,
    "--eval-tokens",
    "4k",
    "--log-every",
    "1000",
]


def _json(path):
    return json.loads(Path(path).read_text())


def _jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def _records(out):
    return _jsonl(f"{out}/runs.jsonl")


@pytest.fixture(scope="module")
def runs(split_run, tmp_path_factory):
    """The same split trained twice: specialists without replay, and with half replay.
    The baseline gets each specialist's extra tokens (equal extra tokens)."""
    out = {}
    for replay in ("0", "0.5"):
        out[replay] = str(tmp_path_factory.mktemp(f"replay{replay}"))
        args = [
            "--manifest",
            split_run,
            "--out",
            out[replay],
            "--pretrain-tokens",
            "48k",
            "--special-tokens",
            "16k",
            "--no-split-tokens",
            "16k",
            "--replay",
            replay,
        ]
        assert main(["train", *SMALL, *args]) == 0
    vocab = read_manifest(split_run)["tokenizer"]["vocab_size"]
    return {k: _records(v) for k, v in out.items()} | {"out": out, "vocab": vocab}


def _loss(records, kind, domain, specialist=None):
    [r] = [
        r
        for r in records
        if r["kind"] == kind and r["domain"] == domain and r.get("specialist") == specialist
    ]
    return r["loss"]


@pytest.mark.slow
def test_validation_loss_falls_as_the_seed_trains(split_run, tmp_path):
    config = config_from(
        parser().parse_args([*SMALL, "--manifest", split_run, "--out", str(tmp_path)])
    )
    records = train(config, Budget([8_192, 32_768], {"kjv-bible": [2_048]}, []))
    seeds = sorted(
        (r["pretrain_tokens"], r["loss"])
        for r in records
        if r["kind"] == "seed_decay" and r["domain"] is None
    )
    (d1, early), (d2, late) = seeds
    assert (d1, d2) == (9_728, 39_424)  # D + 20% decay, in whole steps of 512 tokens
    vocab = read_manifest(split_run)["tokenizer"]["vocab_size"]
    assert late < early - 0.1 and early < math.log(vocab) - 0.5  # well below uniform guessing


@pytest.mark.slow
def test_specialists_beat_seed_and_no_split_baseline_on_their_domain(runs):
    for domain in DOMAINS:
        spec = _loss(runs["0"], "spec", domain, domain)
        assert spec < _loss(runs["0"], "seed_decay", domain) - 0.1
        assert spec < _loss(runs["0"], "no_split", domain) - 0.05


@pytest.mark.slow
def test_replay_limits_forgetting_of_the_mixture(runs):
    for domain in DOMAINS:
        without = _loss(runs["0"], "spec", None, domain)
        with_replay = _loss(runs["0.5"], "spec", None, domain)
        assert with_replay < without - 0.02
    assert {r["replay"] for r in runs["0.5"]} == {0.5}


@pytest.mark.slow
def test_run_records_follow_the_contract(runs):
    records = runs["0"]
    kinds = [(r["kind"], r["domain"]) for r in records]
    assert kinds == (
        [("seed_decay", d) for d in [*DOMAINS, None]]
        + [("no_split", d) for d in [*DOMAINS, None]]
        + [("spec", d) for d in DOMAINS for d in (d, None)]
        + [("routed", d) for d in [*DOMAINS, None]]
    )
    vocab = runs["vocab"]
    for r in records:
        assert (r["n_params"], r["n_params_total"]) == (26_784, 26_784 + 32 * vocab)
        assert (r["model"], r["seed"]) == ("30k", 0)
        assert r["loss"] > 0 and r["wall_s"] > 0 and r["replay"] == 0.0
    seed = next(r for r in records if r["kind"] == "seed_decay")
    assert (seed["pretrain_tokens"], seed["special_tokens"], seed["decay_tokens"]) == (
        57_856,
        0,
        9_728,
    )
    spec = next(r for r in records if r["kind"] == "spec")
    assert (spec["pretrain_tokens"], spec["special_tokens"], spec["decay_tokens"]) == (
        48_128,
        15_872,
        3_072,
    )
    base = next(r for r in records if r["kind"] == "no_split")
    assert (base["pretrain_tokens"], base["extra_tokens"], base["special_tokens"]) == (
        64_000,
        15_872,
        0,
    )


@pytest.mark.slow
def test_progress_and_evaluation_metrics_sit_beside_the_records(runs):
    lines = _jsonl(f"{runs['out']['0']}/metrics.jsonl")
    progress = [m for m in lines if "tokens_per_s" in m]
    assert progress and all(m["tokens_per_s"] > 0 and m["eta_run_s"] >= 0 for m in progress)
    evals = {m["phase"]: m["losses"] for m in lines if m.get("event") == "eval"}
    # each specialist's loss on every domain and on the mixture (forgetting), beside the seed's
    assert set(evals["spec-kjv-bible-D48128-S15872"]) == {*DOMAINS, "None"}
    assert set(evals["seed-D48128"]) == {*DOMAINS, "None"}


@pytest.mark.slow
def test_routed_evaluation_serves_each_document_with_the_routers_specialist(runs):
    """The split's router (nearest centroid) picks a specialist per validation document;
    the routed loss is exactly the sum of those specialists' per-document losses."""
    out = runs["out"]["0"]
    routes = _json(f"{out}/evals/routes.json")["routes"]
    per_spec = {d: _json(f"{out}/evals/spec-{d}-D48128-S15872.json") for d in DOMAINS}
    first = per_spec[DOMAINS[0]]
    domain, tokens = np.array(first["doc_domain"]), np.array(first["doc_tokens"])
    nll = np.array([per_spec[r]["doc_nll"][i] for i, r in enumerate(routes)])
    routed = {r["domain"]: r for r in runs["0"] if r["kind"] == "routed"}
    for d in DOMAINS:
        mask = domain == d
        assert routed[d]["loss"] == pytest.approx(nll[mask].sum() / tokens[mask].sum(), rel=1e-12)
        assert routed[d]["special_tokens"] == 15_872 and routed[d]["pretrain_tokens"] == 48_128
        assert routed[d]["loss"] < _loss(runs["0"], "seed_decay", d)
    assert routed[None]["routing_accuracy"] > 0.9  # three clearly different sources
