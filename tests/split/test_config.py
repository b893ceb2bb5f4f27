"""Typed config: defaults, files, overrides, one clear error each."""

from __future__ import annotations

import pytest

from splitlib.config import build
from splitlib.errors import UserError


def test_overrides_are_typed(tmp_path):
    cfg = build(
        overrides=[
            "domains.k=5",
            "select.valid_fraction=0.1",
            "input.label_field=source",
            "spark.conf.spark.executor.memory=4g",
            "plan.params=1e6",
        ]
    )
    assert cfg.domains.k == 5 and cfg.select.valid_fraction == 0.1
    assert cfg.input.label_field == "source" and cfg.plan.params == 1e6
    assert cfg.spark.conf == {"spark.executor.memory": "4g"}


def test_toml_and_yaml_files_then_overrides(tmp_path):
    (tmp_path / "c.toml").write_text('out = "x"\n[features]\nvocab_size = 2048\n')
    (tmp_path / "c.yaml").write_text("features:\n  vocab_size: 1024\ndomains:\n  k: 3\n")
    assert build(str(tmp_path / "c.toml")).features.vocab_size == 2048
    cfg = build(str(tmp_path / "c.yaml"), ["domains.k=4"])
    assert (cfg.features.vocab_size, cfg.domains.k) == (1024, 4)


@pytest.mark.parametrize(
    "override, message",
    [
        ("features.vocab=1", "unknown config key 'features.vocab'"),
        ("domains.k=two", "domains.k must be int"),
        ("select.valid_fraction=0.9", "valid_fraction must be in"),
        ("domains.k=1", "at least 2 domains"),
        ("novalue", "--set takes key=value"),
        ("spark.storage_level=RAM", "spark.storage_level must be"),
        ("domains.prototypes=0", "domains.prototypes must be at least 1"),
        ("domains.examples=-1", "domains.examples must be 0 or more"),
        ("domains.min_domain_stability=1.5", "domains.min_domain_stability must be in"),
        ("domains.min_domain_agreement=-0.1", "domains.min_domain_agreement must be in"),
    ],
)
def test_bad_values_are_user_errors(override, message):
    with pytest.raises(UserError, match=message):
        build(overrides=[override])


def test_reused_domains_conflict_with_labels_and_with_the_output_folder():
    with pytest.raises(UserError) as err:
        build(overrides=["domains.from_run=runs/may", "input.label_field=source"])
    assert str(err.value) == (
        "bad config: domains.from_run and input.label_field both give the domains; "
        "drop one of them."
    )
    for reused in ("runs/may", "runs/may/", "runs/may/manifest.json"):
        with pytest.raises(UserError, match="domains.from_run is the output folder"):
            build(overrides=[f"domains.from_run={reused}", "out=runs/may"])
    assert build(overrides=["domains.from_run=runs/may", "out=runs/june"]).domains.from_run == (
        "runs/may"
    )


def test_the_run_command_takes_domains_to_split(tmp_path):
    from jobs.split import config_from_args, parse_args

    argv = ["--domains-from", "may", "--split", "reference", "--split", " bible = 3 "]
    assert config_from_args(parse_args(argv)).domains.split == {"reference": 2, "bible": 3}
    for bad in ("reference=", "=3", "reference=two"):
        with pytest.raises(UserError) as err:
            config_from_args(parse_args(["--domains-from", "may", "--split", bad]))
        assert str(err.value) == (
            f"--split takes NAME or NAME=N, got {bad!r} (e.g. --split reference=3)."
        )
    # in a config file, a table of name = parts; the parts are counted, 2 to 16
    config = tmp_path / "split.toml"
    config.write_text('[domains]\nfrom_run = "may"\n[domains.split]\nreference = 3\n')
    assert build(str(config)).domains.split == {"reference": 3}
    for parts, message in (
        ("1", "bad config: domains.split.reference=1: cut a domain into 2 to 16 parts."),
        ('"many"', "bad config: domains.split.reference must be int, got 'many'."),
    ):
        with pytest.raises(UserError) as err:
            build(overrides=["domains.from_run=may", f'domains.split={{"reference": {parts}}}'])
        assert str(err.value) == message
    with pytest.raises(UserError) as err:
        config_from_args(parse_args(["--split", "reference"]))
    assert str(err.value) == (
        "bad config: domains.split cuts domains of domains.from_run; give the run whose "
        "domains to cut (--domains-from RUN), or fit more domains (--k)."
    )


def test_the_run_command_takes_domains_from_a_run():
    from jobs.split import config_from_args, parse_args

    cfg = config_from_args(parse_args(["--domains-from", "s3://b/runs/may", "--out", "o"]))
    assert cfg.domains.from_run == "s3://b/runs/may"
    argv = ["--domains-from", "may", "--rename", "love-enter=plays", "--rename", " a = b "]
    cfg = config_from_args(parse_args(argv))
    assert cfg.domains.rename == {"love-enter": "plays", "a": "b"}
    with pytest.raises(UserError) as err:
        config_from_args(parse_args(["--domains-from", "may", "--rename", "plays"]))
    assert str(err.value) == "--rename takes OLD=NEW, got 'plays' (e.g. --rename love-enter=plays)."
    # in a config file, a table of old = "new"; without a run to take the domains from, refused
    cfg = build(overrides=["domains.from_run=may", 'domains.rename={"x": "y"}'])
    assert cfg.domains.rename == {"x": "y"}
    with pytest.raises(UserError) as err:
        config_from_args(parse_args(["--rename", "a=b"]))
    assert str(err.value) == (
        "bad config: domains.rename renames the domains of domains.from_run; "
        "give the run whose domains to rename (--domains-from RUN)."
    )


def test_k_under_two_and_a_folder_as_config_are_refused(tmp_path):
    from jobs.split import config_from_args, parse_args

    for k in ("0", "1"):
        with pytest.raises(UserError) as err:
            config_from_args(parse_args(["--k", k]))
        assert str(err.value) == (
            f"--k {k}: a split needs at least 2 domains; leave --k out for the default."
        )
    with pytest.raises(UserError) as err:
        build(str(tmp_path))
    assert (
        str(err.value) == f"config {str(tmp_path)!r} is a folder; give the TOML or YAML file in it."
    )
