"""Thin adapters from splitlib functions to Spark `mapInArrow` / `applyInArrow` functions.

Each factory returns a function over Arrow record batches plus the Spark schema of
what it yields. Heavy objects (tokenizer, projection) are cached per executor
process. No business logic lives here.
"""
