"""What measuring layer health costs (workbench.engine.health): training with the probe against
the same training without it, round by round, on digits_cnn and on the seed CNN (CIFAR-shaped
random data). Target: at most 3% of training time."""

from __future__ import annotations

import statistics
from functools import partial

from workbench.engine import RawData, Trainer, load_raw
from workbench.engine.health import HealthProbe
from workbench.spec import ExperimentSpec

from .common import Report, Row, interleaved, paired, rate
from .workloads import Clock, experiment, random_images

TARGET = 0.97  # samples a second with the probe, against without it


SHARES: dict[str, list[float]] = {}  # the probe's own time, as a share of the run's, per case


def _rate(name: str, exp: ExperimentSpec, raw: RawData, device: str, probe: bool) -> float:
    clock = Clock()
    health = HealthProbe(lambda _report: None)
    callbacks = [health, clock] if probe else [clock]  # its epoch's work inside the time
    trainer = Trainer(exp, callbacks, raw=raw, device=device)
    trainer.fit()
    assert trainer.data is not None
    if probe:
        SHARES.setdefault(name, []).append(health.spent / (clock.end - clock.start))
    return len(trainer.history.epoch) * trainer.data.size("train") / (clock.end - clock.start)


def health_cost(report: Report, quick: bool, device: str) -> None:
    """Training rate with layer health measured after every epoch, against without."""
    repeats = 3 if quick else 7
    digits = experiment("digits_cnn", epochs=4 if quick else 20)
    cnn = experiment("seed_cifar10_cnn", epochs=1 if device == "cpu" else 4)
    cases = [
        ("digits_cnn", digits, load_raw(digits.dataset)),
        ("seed CNN, CIFAR-shaped random data", cnn, random_images(1200 if quick else 6000, (3, 32, 32))),
    ]
    for name, exp, raw in cases:
        with_probe, without = interleaved(
            [partial(_rate, name, exp, raw, device, True), partial(_rate, name, exp, raw, device, False)], repeats
        )
        share = statistics.median(SHARES[name])
        report.add(
            Row(
                "Layer health",
                f"{name}: the probe's own time",
                f"{share:.2%} of the run's",
                "",
                None,
                "<= 3%",
                share <= 0.03,
                note="timed inside the same runs: exact where the rate ratio below is within this machine's noise",
            )
        )
        measured, base, ratio = paired(with_probe, without)
        report.add(
            Row(
                "Layer health",
                f"{name}: layer health measured (epochs within its 2% budget)",
                rate(measured),
                rate(base) + " without",
                ratio,
                f">= {TARGET}",
                ratio >= TARGET,
            )
        )
