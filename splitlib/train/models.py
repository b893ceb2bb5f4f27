"""The model ladder: decoder-only Llama-style transformers built from a config, never downloaded.

Sizes are named after their NON-embedding parameter count (the N of the scaling
law), which does not depend on the vocabulary; the embedding matrix is tied to
the output layer, so a small vocabulary keeps small models from being mostly
embedding. Each size carries training defaults (context, batch, learning rate)
that a command line can override.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from splitlib.errors import UserError

# torch and transformers take 10-15 s to import here: the ladder itself (sizes, parameter
# counts) is read by `--help`, `plan` and schedulers, which must not pay for them
if TYPE_CHECKING:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM


@dataclass(frozen=True)
class ModelSize:
    """One rung of the ladder.

    hidden: model width; layers: transformer blocks; heads / kv_heads: query and
    key-value heads (grouped-query attention when fewer kv heads); ffn: SwiGLU
    inner width. seq_len (tokens), batch_seqs (sequences per optimizer step,
    all processes together) and lr (peak learning rate) are training defaults.
    """

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    seq_len: int
    batch_seqs: int
    lr: float

    @property
    def non_embedding_params(self) -> int:
        """Exact parameter count without the (tied) embedding matrix."""
        head_dim = self.hidden // self.heads
        attn = 2 * self.hidden * self.hidden + 2 * self.hidden * self.kv_heads * head_dim
        mlp = 3 * self.hidden * self.ffn
        norms = 2 * self.hidden
        return self.layers * (attn + mlp + norms) + self.hidden  # + final norm

    def total_params(self, vocab_size: int) -> int:
        return self.non_embedding_params + vocab_size * self.hidden


# Small rungs are for CPU sweeps (10k-300k fit a law in hours on a laptop);
# 85m with a 50k vocabulary is the GPT-2-small-sized ~125M model; 1b is Llama-3.2-1B-shaped.
LADDER: dict[str, ModelSize] = {
    s.name: s
    for s in [
        ModelSize("10k", 16, 2, 2, 2, 80, 128, 16, 5e-3),
        ModelSize("30k", 32, 2, 4, 4, 96, 128, 16, 4e-3),
        ModelSize("100k", 64, 2, 4, 4, 176, 128, 16, 3e-3),
        ModelSize("300k", 96, 3, 4, 4, 224, 128, 16, 3e-3),
        ModelSize("1m", 128, 5, 4, 4, 352, 256, 16, 2e-3),
        ModelSize("3m", 192, 7, 6, 6, 512, 256, 32, 1.5e-3),
        ModelSize("10m", 320, 8, 5, 5, 864, 512, 32, 1e-3),
        ModelSize("30m", 512, 9, 8, 8, 1408, 512, 64, 8e-4),
        ModelSize("85m", 768, 12, 12, 12, 2048, 1024, 128, 6e-4),
        ModelSize("300m", 1024, 24, 16, 16, 2816, 2048, 128, 3e-4),
        ModelSize("1b", 2048, 16, 32, 8, 8192, 2048, 256, 3e-4),
    ]
}


def model_size(name: str) -> ModelSize:
    """The ladder entry called `name`, or a UserError listing the known sizes."""
    try:
        return LADDER[name]
    except KeyError:
        raise UserError(
            f"unknown model size {name!r}. Known sizes (non-embedding parameters): "
            f"{', '.join(LADDER)}."
        ) from None


def llama_config(size: ModelSize, vocab_size: int, seq_len: int, eos_id: int, pad_id: int):
    """The transformers config of a ladder size for a vocabulary and a context length (tokens)."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=size.hidden,
        intermediate_size=size.ffn,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.kv_heads,
        max_position_embeddings=seq_len,
        tie_word_embeddings=True,
        bos_token_id=eos_id,  # documents are separated (and started) by eos, as in packing
        eos_token_id=eos_id,
        pad_token_id=pad_id,
        attention_dropout=0.0,
        use_cache=False,
    )


def build_model(config: LlamaConfig, seed: int) -> LlamaForCausalLM:
    """A freshly initialized model; the same seed gives the same weights on every process."""
    import torch
    from transformers import LlamaForCausalLM

    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    torch.random.set_rng_state(generator_state)  # initialization must not shift the caller's RNG
    return model


def count_params(model: torch.nn.Module) -> tuple[int, int]:
    """(non-embedding, total) parameters of a built model; tied matrices counted once."""
    total = sum(p.numel() for p in model.parameters())  # parameters() yields tied ones once
    embedding = model.get_input_embeddings().weight.numel()
    return total - embedding, total


def describe(name: str, model: torch.nn.Module) -> str:
    """One line with the exact parameter counts, for logs."""
    non_emb, total = count_params(model)
    return (
        f"model {name}: {non_emb:,} non-embedding + {total - non_emb:,} embedding "
        f"= {total:,} parameters"
    )
