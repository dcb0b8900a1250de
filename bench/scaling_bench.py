"""Scaling out with DDP: training samples a second of the seed CNN on N processes against one.

Every run is the engine's own (Trainer, `engine.distributed`) in processes started afresh with
the same environment a launcher gives them (RANK, WORLD_SIZE, ...); the rate counts the samples
of all processes over the time of the epochs, start-up left out. Efficiency is the rate of N
processes over N times the rate of one process with the same threads each; on a CPU, the rate of
one process with all the cores is the baseline that matters to a student, so it is shown too.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path

import torch
from torch.multiprocessing.spawn import start_processes

from workbench.engine import Trainer
from workbench.engine.distributed import Ranks, leave_group
from workbench.spec import ExperimentSpec

from .common import Report, Row, rate
from .workloads import Clock, experiment, random_images


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _process(rank: int, world: int, port: int, spec: str, samples: int, threads: int, out: str) -> None:
    """One process of a run on `world`: trains, and rank 0 writes the run's samples a second."""
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank)
    )
    torch.set_num_threads(threads)
    exp = ExperimentSpec.from_json(spec)
    clock = Clock()
    trainer = Trainer(exp, [clock], raw=random_images(samples, (3, 32, 32)), ranks=Ranks.from_environment())
    trainer.fit()
    assert trainer.data is not None
    if rank == 0:
        seen = len(trainer.history.epoch) * trainer.data.size("train")  # all processes' samples
        Path(out).write_text(json.dumps(seen / (clock.end - clock.start)))
    leave_group(together=True)


def ddp_rate(exp: ExperimentSpec, samples: int, world: int, threads: int) -> float:
    """Training samples a second of `exp` on `world` fresh processes of `threads` threads each."""
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "rate.json")
        args = (world, _free_port(), exp.to_json(), samples, threads, out)
        start_processes(_process, args=args, nprocs=world, start_method="spawn")  # type: ignore[no-untyped-call]
        return float(json.loads(Path(out).read_text()))


def scaling(report: Report, quick: bool, device: str) -> None:
    """Rates of 1, 2, ... processes: CPU processes sharing this machine's cores, or one a GPU."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    gpus = torch.cuda.device_count() if device.startswith("cuda") else 0
    exp = experiment("seed_cifar10_cnn", epochs=2 if quick else 3, device="cuda" if gpus else "cpu")
    samples = (1500 if quick else 4000) * (8 if gpus else 1)
    top = gpus or max(2, cores)
    worlds = [w for w in (2, 4, 8) if w <= top]
    per_process = {w: max(1, cores // w) for w in worlds}
    rounds = 1 if quick else 3
    for world in worlds:
        threads = per_process[world]
        one, many = [], []
        for _ in range(rounds):  # back to back, round after round
            one.append(ddp_rate(exp, samples, 1, threads))
            many.append(ddp_rate(exp, samples, world, threads))
        single, several = sorted(one)[len(one) // 2], sorted(many)[len(many) // 2]
        efficiency = several / (world * single)
        where = f"{world} GPUs" if gpus else f"{world} CPU processes x {threads} thread(s)"
        report.add(
            Row(
                "Scaling (DDP)",
                f"seed CNN, {where} vs 1 process x {threads} thread(s): efficiency",
                rate(several),
                rate(single),
                efficiency,
                "",
                None,
                f"speed-up {several / single:.2f}x of an ideal {world}x",
            )
        )
        if not gpus:  # on the CPU, the baseline a student has: one process with the same cores
            whole = sorted(ddp_rate(exp, samples, 1, threads * world) for _ in range(rounds))[rounds // 2]
            report.add(
                Row(
                    "Scaling (DDP)",
                    f"seed CNN, {world} CPU processes vs 1 process with all {threads * world} threads",
                    rate(several),
                    rate(whole),
                    several / whole,
                    "",
                    None,
                    "what DDP gains (or costs) over one process on the same cores",
                )
            )
