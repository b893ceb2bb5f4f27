"""Spark entrypoints: wiring of reading, UDFs, MLlib and writing; no business logic."""
