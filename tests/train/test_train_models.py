"""The model ladder: exact parameter counts, tied embeddings, clear errors."""

import pytest
import torch

from splitlib.errors import UserError
from splitlib.train.models import (
    LADDER,
    build_model,
    count_params,
    describe,
    llama_config,
    model_size,
)


def test_ladder_spans_tiny_to_one_billion_non_embedding_parameters():
    counts = [size.non_embedding_params for size in LADDER.values()]
    assert counts == sorted(counts)
    assert counts[0] == 9_808 and counts[-1] == 973_146_112
    assert LADDER["85m"].total_params(50_304) == 123_587_328  # the GPT-2-small-sized model


@pytest.mark.parametrize("name", ["10k", "30k", "100k", "300k", "1m"])
def test_built_model_has_exactly_the_ladder_count(name):
    size = LADDER[name]
    model = build_model(llama_config(size, 512, 64, 0, 1), seed=0)
    assert count_params(model) == (size.non_embedding_params, size.total_params(512))
    assert model.lm_head.weight is model.get_input_embeddings().weight  # tied


def test_describe_prints_the_exact_count():
    model = build_model(llama_config(LADDER["100k"], 1024, 128, 0, 1), seed=0)
    assert describe("100k", model) == (
        "model 100k: 100,672 non-embedding + 65,536 embedding = 166,208 parameters"
    )


def test_same_seed_same_weights_and_caller_rng_untouched():
    config = llama_config(LADDER["10k"], 256, 32, 0, 1)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = build_model(config, seed=7), build_model(config, seed=7)
    assert torch.rand(1) == before
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))


def test_unknown_size_is_one_clear_error():
    with pytest.raises(UserError, match=r"unknown model size '7b'.*10k, 30k"):
        model_size("7b")
