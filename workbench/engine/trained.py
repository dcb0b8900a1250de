"""A trained network, apart from its training: what testing, answering a picture and exporting need.

`Trainer.trained()` gives one. Functions that only use a trained network take this, not the
Trainer, so they are called and tested without a run's loop, optimizer or callbacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ..spec import ExperimentSpec
from .builder import build_network
from .history import History
from .objective import Objective
from .prepare import PreparedData


@dataclass(frozen=True)
class TrainedNetwork:
    """The settings, the network (holding the weights the run ended with), the prepared data (its
    normalization, classes and test split), the objective, the device and the run's record."""

    experiment: ExperimentSpec
    model: nn.Module
    data: PreparedData
    objective: Objective
    device: torch.device
    history: History

    def network(self, weights: Mapping[str, torch.Tensor] | None = None) -> nn.Module:
        """The run's network, or a new one like it holding `weights` (the run's own is untouched)."""
        if weights is None:
            return self.model
        network = build_network(self.experiment.network, self.data.input_shape).to(self.device)
        network.load_state_dict(weights)
        return network
