"""Workbench: build neural networks in forms, train them on CPU or GPU, watch them learn live."""

__version__ = "0.1.0"
