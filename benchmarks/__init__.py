"""Measured speed and memory of splitlib (not tests: see benchmarks/README.md)."""
