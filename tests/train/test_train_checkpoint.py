"""Checkpoints: exact round trip of weights, optimizer and RNG, no pickle anywhere, and
weights transformers can load as they are."""

import numpy as np
import torch
from transformers import LlamaForCausalLM

from splitlib.train.checkpoint import is_checkpoint, load_checkpoint, save_checkpoint
from splitlib.train.config import OptimArgs
from splitlib.train.devices import Runtime
from splitlib.train.loop import Trainer
from splitlib.train.models import LADDER, build_model, llama_config

CONFIG = llama_config(LADDER["10k"], 128, 16, 0, 1)


def _trainer(seed=0):
    model = build_model(CONFIG, seed)
    return Trainer(model, Runtime(torch.device("cpu"), False), OptimArgs(), 4, 4)


def _batch(i):
    return np.random.default_rng(i).integers(0, 128, (4, 17)), np.ones(4)


def test_round_trip_continues_exactly(tmp_path, monkeypatch):
    def no_pickle(*args, **kwargs):
        raise AssertionError("a checkpoint must never be unpickled")

    monkeypatch.setattr(torch, "load", no_pickle)
    a = _trainer()
    for i in range(3):
        a.step(*_batch(i), lr=1e-2)
    url = str(tmp_path / "ckpt")
    save_checkpoint(url, a.model, {"step": 3}, a.optimizer, CONFIG.to_json_string())
    assert is_checkpoint(url)
    b = _trainer(seed=99)  # different weights until loaded
    assert load_checkpoint(url, b.model, b.optimizer)["step"] == 3
    for i in range(3, 6):
        assert a.step(*_batch(i), lr=1e-2) == b.step(*_batch(i), lr=1e-2)
    assert all(
        torch.equal(x, y) for x, y in zip(a.model.parameters(), b.model.parameters(), strict=True)
    )


def test_weights_load_in_transformers_without_splitlib(tmp_path):
    a = _trainer()
    url = str(tmp_path / "final")
    save_checkpoint(url, a.model, {"step": 0}, model_config_json=CONFIG.to_json_string())
    hf = LlamaForCausalLM.from_pretrained(url)
    x = torch.arange(16).view(1, 16)
    assert torch.equal(hf(input_ids=x).logits, a.model(input_ids=x).logits)


def test_a_folder_without_state_json_is_not_a_checkpoint(tmp_path):
    a = _trainer()
    url = str(tmp_path / "half")
    save_checkpoint(url, a.model, {"step": 0}, a.optimizer)
    (tmp_path / "half" / "state.json").unlink()  # as if the writer died before the commit
    assert not is_checkpoint(url)
