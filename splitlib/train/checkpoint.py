"""Checkpoints without pickle: safetensors for tensors, JSON for everything else.

A checkpoint is a folder (local or s3://) holding
- `model.safetensors`: the weights under transformers' names (tied output matrix
  stored once), loadable by `LlamaForCausalLM.from_pretrained` with `config.json`;
- `trainer.safetensors`: optimizer moments and the torch RNG states;
- `state.json`: step, tokens, data position, schedule, optimizer hyperparameters,
  written last, so its presence is the commit (a half-written folder is ignored); it
  holds the SHA-256 of the other files, so a corrupted checkpoint is refused on load.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from splitlib import storage
from splitlib.errors import UserError

STATE = "state.json"


def _unique_tensors(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """State dict with tensors that share memory (tied weights) kept once, under the first name."""
    seen: set[int] = set()
    out: dict[str, torch.Tensor] = {}
    for name, tensor in module.state_dict().items():
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        out[name] = tensor.detach().to("cpu").contiguous()
    return out


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Optimizer state split into tensors (for safetensors) and plain values (for JSON)."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        for key, value in values.items():
            if torch.is_tensor(value):
                tensors[f"optimizer.{index}.{key}"] = value.detach().to("cpu").contiguous()
            else:
                plain.setdefault(str(index), {})[key] = value
    return tensors, {"param_groups": state["param_groups"], "plain_state": plain}


def save_checkpoint(
    url: str,
    model: torch.nn.Module,
    state: dict[str, Any],
    optimizer: torch.optim.Optimizer | None = None,
    model_config_json: str | None = None,
) -> None:
    """Write a checkpoint folder; `state` must be JSON-serializable."""
    files: dict[str, str] = {}

    def put(name: str, data: bytes) -> None:
        storage.write_bytes(storage.join(url, name), data)
        files[name] = hashlib.sha256(data).hexdigest()

    put("model.safetensors", save_tensors(_unique_tensors(model), metadata={"format": "pt"}))
    if model_config_json is not None:
        put("config.json", model_config_json.encode())
    state = dict(state)
    if optimizer is not None:
        tensors, state["optimizer"] = _optimizer_tensors(optimizer)
        tensors["rng.cpu"] = torch.get_rng_state()
        if torch.cuda.is_available():
            for i, rng in enumerate(torch.cuda.get_rng_state_all()):
                tensors[f"rng.cuda.{i}"] = rng
        put("trainer.safetensors", save_tensors(tensors))
    state["sha256"] = files
    storage.write_bytes(storage.join(url, STATE), json.dumps(state, indent=1).encode() + b"\n")


def is_checkpoint(url: str) -> bool:
    return storage.exists(storage.join(url, STATE))


def _corrupt(url: str, what: str) -> UserError:
    return UserError(
        f"checkpoint {url!r} is corrupt ({what}): delete that folder to resume from the one "
        "before it, or start again with another --out."
    )


def read_state(url: str) -> dict[str, Any]:
    try:
        state = json.loads(storage.read_bytes(storage.join(url, STATE)))
    except (ValueError, RecursionError):
        raise _corrupt(url, f"{STATE} does not parse") from None
    if not isinstance(state, dict):
        raise _corrupt(url, f"{STATE} is not an object")
    return state


def _verified(url: str, state: dict[str, Any], name: str) -> bytes:
    """A checkpoint file's bytes, checked against the SHA-256 its state.json recorded."""
    try:
        data = storage.read_bytes(storage.join(url, name))
    except FileNotFoundError:
        raise _corrupt(url, f"{name} is missing") from None
    expected = (state.get("sha256") or {}).get(name)
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise _corrupt(url, f"{name} does not match its SHA-256 in {STATE}")
    return data


def load_checkpoint(
    url: str,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Load weights (and optimizer and RNG when given) in place; returns the saved state."""
    state = read_state(url)
    weights = load_tensors(_verified(url, state, "model.safetensors"))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    tied = set(getattr(model, "_tied_weights_keys", None) or {})
    if unexpected or set(missing) - tied:
        raise ValueError(
            f"checkpoint {url!r} does not fit the model: missing {missing}, unexpected {unexpected}"
        )
    if optimizer is not None:
        tensors = load_tensors(_verified(url, state, "trainer.safetensors"))
        saved = state["optimizer"]
        per_param: dict[int, dict[str, Any]] = {}
        for name, tensor in tensors.items():
            if name.startswith("optimizer."):
                _, index, key = name.split(".", 2)
                per_param.setdefault(int(index), {})[key] = tensor
        for index, values in saved["plain_state"].items():
            per_param.setdefault(int(index), {}).update(values)
        optimizer.load_state_dict({"state": per_param, "param_groups": saved["param_groups"]})
        if restore_rng:
            torch.set_rng_state(tensors["rng.cpu"])
            cuda = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda.")]
            if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
                torch.cuda.set_rng_state_all(cuda)
    return state
