"""Validation losses, per document, so that any grouping (a domain, the mixture, the
documents a router sends to each specialist) is a sum over the same numbers.

A document is scored as training sees it: after an eos, with the eos that ends it
predicted too, in windows of the training context length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from splitlib.train.data import ValidDoc, validation_documents
from splitlib.train.devices import Runtime


@dataclass
class ValidationSet:
    """Validation documents of every domain, and each domain's share of the mixture's
    validation set (its validation tokens in the manifest, uncapped)."""

    docs: list[ValidDoc]
    shares: dict[str, float]

    @property
    def tokens(self) -> np.ndarray:
        """Predicted tokens per document: its ids and the closing eos."""
        return np.array([len(d.ids) + 1 for d in self.docs], dtype=np.float64)

    def losses(self, doc_nll: np.ndarray) -> dict[str | None, float]:
        """Mean cross-entropy (nats/token) per domain, and under None the mixture's:
        domain losses weighted by their shares, i.e. the loss on the union of all
        validation shards, however many tokens per domain were read."""
        tokens = self.tokens
        out: dict[str | None, float] = {}
        for name in self.shares:
            mask = np.array([d.domain == name for d in self.docs])
            out[name] = float(doc_nll[mask].sum() / tokens[mask].sum())
        out[None] = float(sum(self.shares[k] * out[k] for k in self.shares))
        return out


def load_validation(
    run_root: str, manifest: dict[str, Any], vocab_size: int, max_tokens: int
) -> ValidationSet:
    """Up to `max_tokens` validation tokens of each domain of the manifest."""
    docs: list[ValidDoc] = []
    sizes: dict[str, float] = {}
    for domain in manifest["domains"]:
        name = domain["name"]
        found = validation_documents(run_root, manifest, name, vocab_size, max_tokens)
        if found:
            docs += found
            sizes[name] = float(domain.get("valid_tokens") or sum(len(d.ids) for d in found))
    total = sum(sizes.values())
    return ValidationSet(docs, {k: v / total for k, v in sizes.items()})


def _windows(docs: list[ValidDoc], seq_len: int, eos_id: int) -> Iterator[tuple[int, np.ndarray]]:
    for i, doc in enumerate(docs):
        tokens = np.concatenate([[eos_id], doc.ids, [eos_id]]).astype(np.int64)
        for start in range(0, len(tokens) - 1, seq_len):
            yield i, tokens[start : start + seq_len + 1]


@torch.no_grad()
def document_nll(
    model: torch.nn.Module,
    docs: list[ValidDoc],
    seq_len: int,
    eos_id: int,
    runtime: Runtime,
    batch: int = 16,
) -> np.ndarray:
    """Summed cross-entropy (nats) of each document; processes split the windows."""
    windows = list(_windows(docs, seq_len, eos_id))[runtime.rank :: runtime.world_size]
    windows.sort(key=lambda item: -len(item[1]))  # similar lengths together: little padding
    nll = torch.zeros(len(docs), dtype=torch.float64)
    was_training = model.training
    model.eval()
    for start in range(0, len(windows), batch):
        chunk = windows[start : start + batch]
        width = max(len(w) for _, w in chunk)
        x = torch.full((len(chunk), width), eos_id, dtype=torch.long)
        y = torch.full((len(chunk), width - 1), -100, dtype=torch.long)
        for row, (_, w) in enumerate(chunk):
            x[row, : len(w)] = torch.from_numpy(w)
            y[row, : len(w) - 1] = torch.from_numpy(w[1:])
        with runtime.autocast():  # right padding: causal attention never looks at it
            logits = model(input_ids=x[:, :-1].to(runtime.device)).logits
        loss = F.cross_entropy(
            logits.float().flatten(0, 1), y.flatten().to(runtime.device), reduction="none"
        )  # ignore_index -100 gives 0 on padding
        per_window = loss.view(len(chunk), -1).sum(dim=1).double().cpu()
        for row, (doc, _) in enumerate(chunk):
            nll[doc] += per_window[row]
    model.train(was_training)
    return runtime.all_reduce_sum(nll).numpy()


def routed_nll(
    route: list[str], specialist_nll: dict[str, np.ndarray], fallback: np.ndarray
) -> np.ndarray:
    """Per-document loss when each document is served by the specialist its route names
    (a route to a domain without a specialist is served by `fallback`, e.g. the seed)."""
    out = fallback.copy()
    for i, domain in enumerate(route):
        if domain in specialist_nll:
            out[i] = specialist_nll[domain][i]
    return out
