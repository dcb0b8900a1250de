"""The engine: torch lives here, Qt never does. Builds models from specs."""

from .builder import build_model, build_network

__all__ = ["build_model", "build_network"]
