"""Benchmarks and evaluation sets; run the scripts here from the repository root."""
