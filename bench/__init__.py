"""Benchmarks: `make bench` (python -m bench) measures the figures the README reports."""
