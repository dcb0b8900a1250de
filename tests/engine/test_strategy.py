"""The run's strategy: one process answers at once; several meet at the same steps, as often as
progress events come; the loop and evaluation never ask how many processes there are."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from workbench.engine import strategy as strategies
from workbench.engine.distributed import Ranks
from workbench.engine.strategy import MAX_SYNC_STEPS, DataParallel, Strategy, choose, steps_per_sync

ENGINE = Path(strategies.__file__).parent
# What a branch on the processes looks like: a count compared, a rank checked, a collective called.
BRANCH = re.compile(r"\bworld\s*(>|<|==|!=)|ranks is|\bdist\.|DataParallel|DistributedDataParallel")


def test_one_process_answers_at_once() -> None:
    alone = choose(None)
    assert type(alone) is Strategy and choose(Ranks(0, 1, 0)).world == 1
    losses = torch.tensor([1.0, 2.0])
    assert alone.sync_steps(losses, True, 0.2) == (losses, True)
    assert alone.agree([1.0, 2.0], False) == ([1.0, 2.0], False)
    assert alone.reduce(losses) is losses and alone.shard == (0, 1)
    assert [alone.sync_due(done, 4, clock_due=False) for done in (1, 2, 3, 4)] == [False, False, False, True]
    assert alone.sync_due(2, 4, clock_due=True)
    assert alone.stops_alone and alone.can_pause
    step = torch.nn.Identity()
    assert alone.wrap(step) == step.forward  # no module call (its hooks) around a step


def test_several_processes_meet_at_steps_they_count_alike() -> None:
    """Not when a clock says (each process's clock differs): every `_every` steps, and at the end."""
    ddp = choose(Ranks(1, 2, 1))
    assert isinstance(ddp, DataParallel) and ddp.shard == (1, 2)
    assert not ddp.stops_alone and not ddp.can_pause
    ddp.start_epoch(0)
    assert [ddp.sync_due(done, 10, clock_due=True) for done in (1,)] == [True]  # the first step: a first point soon
    ddp._every = 3
    due = [done for done in range(2, 11) if ddp.sync_due(done, 10, clock_due=done % 2 == 0)]
    assert due == [4, 7, 10]
    ddp.start_epoch(5)  # an epoch taken up after a stop at step 5
    assert [done for done in range(6, 11) if ddp.sync_due(done, 10, clock_due=False)] == [8, 10]


def test_the_steps_between_meetings_fill_a_progress_interval() -> None:
    assert steps_per_sync(0.2, 0.1, 10) == 20  # 10 ms a step: 20 steps in 0.2 s
    assert steps_per_sync(0.2, 1.0, 2) == 1  # slow steps: every step
    assert steps_per_sync(0.0, 0.1, 10) == 1  # no throttle: every step
    assert steps_per_sync(1.0, 1e-6, 10) == MAX_SYNC_STEPS  # a stop never waits long


def test_the_loop_and_evaluation_have_no_branch_on_the_processes() -> None:
    """What differs between one process and several is the strategy's: the loop calls it alike."""
    for name in ("trainer.py", "evaluate.py", "run_setup.py"):
        code = (ENGINE / name).read_text()
        assert not BRANCH.search(code), name
