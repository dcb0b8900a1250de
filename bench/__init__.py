"""Benchmarks: the workbench against plain PyTorch, the seed pipeline and the machine's limits.

Every figure is a ratio against a baseline measured in the same run; absolute numbers are context.
Run with `make bench` (`QUICK=1` for a two-minute version, `DEVICE=cuda` on a GPU machine).
"""
