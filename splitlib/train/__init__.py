"""Training from a split: a seed on the mixture, one specialist per domain, evaluation,
run records for the scaling law.

Modules, in the order data flows through them:
- `config`: typed argument groups (`TrainConfig`) shared by the CLI and config.json;
- `resolve`: config + manifest -> `RunSetup` (sizes, budgets in steps, user errors);
- `phases`: `make_plan` -> trunks (stable runs) and branches (decays) in steps;
- `models`: the size ladder (`LADDER`, `model_size`, `build_model`, `count_params`);
- `data`: shards -> packed, seeded windows (`PackedStream`, `ReplayStream`);
- `schedule`: warmup-stable-decay learning rates (`WSD`);
- `loop`: the optimizer step (`Trainer`), stretches of steps, clean stops;
- `checkpoint`: safetensors + JSON checkpoints, never pickle;
- `evaluate`, `routes`: per-document validation losses, routed serving;
- `pipeline`, `folder`, `records`, `progress`, `summary`: running a plan and its outputs;
- `cli` (`splitlib train`, `train(config, budget)`), `sweep` (`splitlib sweep`).

Imported lazily by the `splitlib` command so other subcommands never load torch.
"""
