"""Training from a split: seed on the mixture, one specialist per domain, evaluation.

Public API:
- `train(config, budget=None) -> records`: one (model, seed) run (splitlib.train.cli);
- `TrainConfig` and its argument groups (splitlib.train.config);
- `LADDER`, `model_size`, `build_model`, `count_params` (splitlib.train.models);
- `WSD` (splitlib.train.schedule); `make_plan` (splitlib.train.phases);
- `PackedStream`, `ReplayStream` (splitlib.train.data).

Imported lazily by the `splitlib` command so other subcommands never load torch.
"""
