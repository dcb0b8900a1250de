"""A saved run as an exercise checks it: the model file read safely (weights only), its network
built to count its parameters (frozen ones too, as the window counts them), its curves and results
as `spec.exercise.RunFacts`."""

from __future__ import annotations

from pathlib import Path

from ..spec.exercise import RunFacts
from .model_file import load_model


def run_facts(model: Path) -> RunFacts:
    """What the run saved in `model` says; ModelFileError (with the file named) when it cannot be read."""
    loaded = load_model(model)
    history = loaded.history
    curves = {key: list(values) for key, values in dict(history.get("history", {})).items()}
    best = history.get("best_epoch")
    return RunFacts(
        experiment=loaded.experiment,
        curves=curves,
        best_epoch=int(best) if isinstance(best, int) and best > 0 else None,
        stop_reason=str(history.get("stop_reason", "")),
        test=history.get("test") if isinstance(history.get("test"), dict) else None,
        parameters=sum(p.numel() for p in loaded.module.parameters()),
        majority_rate=rate if isinstance(rate := history.get("majority_rate"), float) else None,  # older files: None
    )
