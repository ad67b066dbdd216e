"""Benchmarks: each compares against a baseline measured in the same run (ratios, not absolute times)."""
