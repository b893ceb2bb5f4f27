"""The command lines: every option documented, both entry points answer."""

import os
import re
import subprocess
import sys

import pytest

from splitlib.train.cli import config_from, parser
from splitlib.train.config import TrainConfig
from splitlib.train.sweep import sweep_parser


def test_every_train_option_has_help_with_its_default_or_unit():
    p = parser()
    for action in p._actions:
        if action.dest == "help":
            continue
        assert action.help and len(action.help) > 15, action.dest
    text = p.format_help()
    for word in ("tokens", "sequences", "seconds", "steps", "fraction"):
        assert word in text
    for flag in (
        "--manifest",
        "--model",
        "--out",
        "--pretrain-tokens",
        "--special-tokens",
        "--resume",
    ):
        assert flag in text


def test_sweep_lists_its_presets():
    text = sweep_parser().format_help()
    assert re.search(r"smoke: .*NOT identified", text)
    assert "cpu: hours on a laptop CPU" in text and "gpu: one GPU" in text


def test_python_dash_m_entry_point_prints_help():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "splitlib.train", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.startswith("usage: splitlib train")


@pytest.mark.parametrize("command", ["train", "sweep", "experiment"])
def test_help_and_argument_errors_do_not_import_torch(command):
    """torch and transformers took 15-20 s to import before `--help` answered."""
    probe = (
        "import sys\n"
        "from splitlib.cli import main\n"
        f"for argv in ([{command!r}, '--help'], [{command!r}, '--no-such-option']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as done:\n"
        "        print('exit', done.code)\n"
        "print(sorted({'torch', 'transformers'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines()[-3:] == ["exit 0", "exit 2", "[]"]
    assert f"usage: splitlib {command}" in out.stdout


def test_config_round_trips_through_its_json_form():
    ns = parser().parse_args(["--manifest", "s3://b/split", "--model", "30k", "--out", "o",
                              "--special-tokens", "bible=20k,recipes=1.5M", "--replay", "0.05"])  # fmt: skip
    config = config_from(ns)
    assert config.budget.special_tokens == {"bible": 20_000, "recipes": 1_500_000}
    assert TrainConfig.from_dict(config.to_dict()) == config
