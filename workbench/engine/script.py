"""A run as a plain PyTorch script that replays it: `script_parts(experiment)` -> the parts, in
order (the data, the split, normalization, the model, the loss, the optimizer, the loop, the
run, trying the trained network), which `script_text` writes as one Python file and `notebook`
as a Jupyter notebook.

The script imports torch (and numpy, scikit-learn, torchvision or PIL where the data needs
them), never the workbench. It draws its random numbers in the workbench's order: the seed,
then the data (a generated set's own generator), the split's permutation, the model's starting
weights, then each epoch's order of the training samples from a generator of its own, dropout
and augmentation from the global generator, a VAE's noise from a generator per step. So on the
CPU it gives the run's losses, epoch by epoch. Every explanation is in the student's language.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import N_, _, language, listing, wrap
from ..spec import AugmentSpec, DatasetBase, ExperimentSpec, Task
from ..spec.code import model_imports, model_source
from ..spec.errors import Problem, SpecError
from ..spec.memory import EVAL_BATCH
from ..spec.metrics import KL_KEY, metric_for
from ..spec.peek import model_path
from ..spec.shapes import Shape, feature_axis, statistics_shape
from .early_stopping import resolve_mode
from .script_data import DataCode, copied, data_code

PICTURE = "workbench.engine.picture"
# Try a picture's preparation of a drawn digit (engine.picture), copied whole into the script.
INK_FUNCTIONS = ("_extent", "ink_extent", "ink_fill", "_light_background", "_stretched", "_place", "prepare_ink")

WIDTH = 96  # comment lines are wrapped at this width


@dataclass(frozen=True)
class Part:
    """One part of the script: its title, what it is for (a comment, or a notebook's text cell)
    and its code."""

    title: str
    words: str
    code: str


@dataclass(frozen=True)
class Facts:
    """What the script is written from: the experiment, the shape of its samples and the task."""

    experiment: ExperimentSpec
    input_shape: Shape
    task: Task
    name: str
    base_dir: Path | None

    @property
    def autoencoder(self) -> bool:
        return self.experiment.network.is_autoencoder

    @property
    def frozen(self) -> bool:
        """Some layers are frozen: the optimizer and the L1 penalty leave their weights alone."""
        return bool(self.experiment.network.analyze(self.input_shape).frozen_params)

    @property
    def pictures(self) -> bool:
        """Samples that are pictures (uint8 as stored), read whole or row by row."""
        return self.experiment.dataset.kind in PICTURE_KINDS

    @property
    def metrics(self) -> list[str]:
        if self.autoencoder:
            recon = metric_for(Task.RECONSTRUCTION).key
            return [recon, KL_KEY] if self.experiment.network.autoencoder.variational else [recon]
        return [metric_for(self.task).key]


PICTURE_KINDS = frozenset({"digits", "mnist", "fashion_mnist", "cifar10", "idx", "image_folder"})


def _comment(text: str, pad: str = "") -> str:
    """`text` as comment lines wrapped to WIDTH."""
    return "\n".join(f"{pad}# {line}" for line in wrap(text, WIDTH - len(pad) - 2))


def _fill(template: str, **values: Any) -> str:
    """A code template with its @NAME@ places filled (the code keeps its own braces)."""
    text = textwrap.dedent(template).strip("\n")
    for name, value in values.items():
        text = text.replace(f"@{name}@", str(value))
    return text


# --- the parts ------------------------------------------------------------------------------


def _settings(facts: Facts, data: DataCode) -> Part:
    training = facts.experiment.training
    modules = {"argparse", "json", "math", "time", *(m for m in data.imports if m not in ("numpy", "pathlib"))}
    if facts.experiment.network.start_from:
        modules.add("hashlib")  # the start file is checked to be the one the run started from
    lines = ["from __future__ import annotations", "", *(f"import {m}" for m in sorted(modules))]
    if "pathlib" in data.imports or _predicts_pictures(facts) or _predicts_numbers(facts):
        lines.append("from pathlib import Path")
    lines.append("from typing import Any")
    third = ["import numpy as np", *model_imports(facts.experiment.network, facts.input_shape)]
    if facts.autoencoder or _augmenting(facts):
        third.insert(2, "import torch.nn.functional as F")  # after `import torch`, as isort orders them
    lines += ["", *third]
    lines += [
        "",
        f"SEED = {training.seed}  # " + _("every random number below comes from it, in the same order as in Workbench"),
        f"EPOCHS = {training.epochs}",
        f"BATCH_SIZE = {training.batch_size}",
    ]
    words = _(
        "The modules the script needs and the run's settings. The seed makes the run repeatable: "
        "the same seed gives the same data, the same starting weights and the same order of samples."
    )
    return Part(_("Settings"), words, "\n".join(lines))


def _data(facts: Facts, data: DataCode) -> Part:
    words = _(
        "The data: every sample with its label (its class, or the number to predict), loaded or "
        "generated exactly as Workbench did for this run."
    )
    return Part(_("The data"), words, "\n\n\n".join([*data.helpers, data.code]))


def _split(facts: Facts) -> Part:
    dataset = facts.experiment.dataset
    order = (
        "order = np.arange(n)[::-1]  # " + _("in time order: the test is the series' end, validation just before it")
        if dataset.by_time
        else "order = np.random.default_rng(SEED).permutation(n)"
    )
    code = _fill(
        '''
        VAL_FRACTION = @VAL@  # @VAL_WORDS@
        TEST_FRACTION = @TEST@  # @TEST_WORDS@


        def split(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """The indices of the training, validation and test samples: the test first, then validation,
            the rest trains."""
            @ORDER@
            n_test, n_val = round(n * TEST_FRACTION), round(n * VAL_FRACTION)
            train, val, test = order[n_test + n_val :], order[n_test : n_test + n_val], order[:n_test]
            return np.sort(train), np.sort(val), np.sort(test)
        ''',
        VAL=dataset.val_fraction,
        TEST=dataset.test_fraction,
        VAL_WORDS=_("checks the network after every epoch: is it overfitting?"),
        TEST_WORDS=_("kept aside for one final test after training"),
        ORDER=order,
    )
    words = _(
        "The split: the training set teaches the network, the validation set checks it after every epoch, "
        "the test set is used once, at the end, for an honest score."
    )
    return Part(_("Training, validation and test sets"), words, code)


def _augmenting(facts: Facts) -> bool:
    augment: AugmentSpec | None = getattr(facts.experiment.dataset, "augment", None)
    return augment is not None and bool(augment.horizontal_flip or augment.random_crop_padding)


NORMALIZE = '''
    class Normalize:
        """x -> (x * SCALE - mean) / std for every input@AUGMENTS@."""

        def __init__(self, mean: list[float], std: list[float], device: torch.device) -> None:
            self.mean = torch.tensor(mean, dtype=torch.float32, device=device).reshape(SHAPE)
            self.std = torch.tensor(std, dtype=torch.float32, device=device).reshape(SHAPE)
            # (x * SCALE - mean) / std as one multiply and one subtract
            self.gain = SCALE / self.std
            self.offset = self.mean / self.std

        def __call__(self, x: torch.Tensor, training: bool = False) -> torch.Tensor:
            x = x.to(torch.float32)@AUGMENT@
            return x * self.gain - self.offset
'''

FIT = '''
    def fit_normalization(x_train: torch.Tensor) -> tuple[list[float], list[float]]:
        """The mean and std of each @WHAT@ over the training samples (never validation or test)."""
        sums = torch.zeros(x_train.shape[AXIS], dtype=torch.float64)
        squares = torch.zeros_like(sums)
        count = 0
        for chunk in torch.split(x_train, 8192):
            values = (chunk.to(torch.float64) * SCALE).movedim(AXIS, 0).reshape(len(sums), -1)
            sums += values.sum(1)
            squares += (values**2).sum(1)
            count += values.shape[1]
        mean = sums / count
        std = (squares / count - mean**2).clamp_min(0).sqrt()
        std = torch.where(std > 1e-8, std, torch.ones_like(std))  # @CONSTANT@
        return mean.tolist(), std.tolist()
'''


def _normalization(facts: Facts) -> Part:
    dataset = facts.experiment.dataset
    spec = dataset.normalize
    axis = feature_axis(facts.input_shape)
    count = {"standardize": facts.input_shape[axis], "fixed": len(spec.mean)}.get(spec.mode, 1)
    what = _("channel") if len(facts.input_shape) == 3 else _("input feature")
    lines = [
        "SCALE = " + ("1.0 / 255.0  # " + _("pictures' bytes from 0..255 to 0..1") if facts.pictures else "1.0"),
        f"SHAPE = {statistics_shape(facts.input_shape, count)!r}  # "
        + _("the statistics' shape, so that they broadcast over each sample"),
    ]
    if spec.mode == "standardize":
        lines.append(f"AXIS = {1 + axis}  # " + _("each {what} gets its own mean and std").format(what=what))
    augment = ""
    helpers = []
    if _augmenting(facts):
        a: AugmentSpec = getattr(dataset, "augment")  # noqa: B009 - pictures' datasets only
        padding = _("pad each training picture by this many pixels and crop it back at a random place")
        lines += [
            f"FLIP = {a.horizontal_flip!r}  # " + _("mirror half of the training pictures"),
            f"PADDING = {a.random_crop_padding!r}  # " + padding,
        ]
        helpers.append(copied("workbench.engine.prepare", "augment_batch"))
        augment = (
            "\n        if training:  # "
            + _("augmentation: new random changes each time, in 0..1 so that padding is black")
            + "\n            return (augment_batch(x * SCALE, FLIP, PADDING) - self.mean) / self.std"
        )
    blocks = ["\n".join(lines)]
    if spec.mode == "standardize":
        english = "channel" if len(facts.input_shape) == 3 else "input feature"  # a docstring: English
        blocks.append(_fill(FIT, WHAT=english, CONSTANT=_("an input that never changes stays as it is")))
    else:
        mean, std = ([0.0], [1.0]) if spec.mode == "none" else (list(spec.mean), list(spec.std))
        blocks[0] += f"\nMEAN = {mean!r}\nSTD = {std!r}"
    blocks += helpers
    augments = ", and random changes to the training pictures" if augment else ""  # a docstring: English
    code = "\n\n\n".join([*blocks, _fill(NORMALIZE, AUGMENT=augment, AUGMENTS=augments)])
    words = {
        "standardize": _(
            "Normalization: every input is shifted and scaled to mean 0 and standard deviation 1, with "
            "statistics of the training set only, so that nothing of the validation or test sets leaks into training."
        ),
        "fixed": _("Normalization: every input is shifted and scaled by the fixed mean and std below."),
        "none": _("No normalization: the inputs are given to the network as they are (pictures scaled to 0..1)."),
    }[spec.mode]
    return Part(_("Normalization"), words, code)


def _model(facts: Facts) -> Part:
    words = _(
        "The network: its layers in order, with the sizes Workbench worked out from the shape of the data. "
        "The comment above each layer says what it receives and what it gives."
    )
    code = model_source(facts.experiment.network, facts.input_shape, imports=False)
    if facts.experiment.network.start_from:
        code += "\n\n" + _start_from(facts)
    return Part(_("The network"), words, code)


def _start_from(facts: Facts) -> str:
    """START_FROM, COPIED and `start_from`: the layers that take a trained model's weights, as the
    run decides (same place, kind and shapes); SpecError when the file cannot be read safely."""
    from .builder import build_network
    from .model_file import ModelFileError
    from .start_from import start_from

    path = model_path(facts.experiment.network.start_from, facts.base_dir)
    try:
        report = start_from(build_network(facts.experiment.network, facts.input_shape), path)
    except (ModelFileError, OSError) as exc:
        raise SpecError([Problem("network.start_from", str(exc))]) from None
    copied = [layer.prefix for layer in report.layers if layer.copied]
    return _fill(
        '''
        @PATH_WORDS@
        START_FROM = @PATH@
        START_SHA256 = @SHA@  # @SHA_WORDS@
        START_CHANGED = @CHANGED@
        @COPIED_WORDS@
        COPIED = @COPIED@


        def start_from(model: nn.Module, path: str) -> None:
            """@DOC@"""
            with open(path, "rb") as file:
                if hashlib.sha256(file.read()).hexdigest() != START_SHA256:
                    raise SystemExit(START_CHANGED.format(path=path))
            weights = torch.load(path, weights_only=True)["state_dict"]  # @SAFE_WORDS@
            model.load_state_dict({k: v for k, v in weights.items() if k.startswith(tuple(COPIED))}, strict=False)
        ''',
        PATH=repr(str(path)),
        PATH_WORDS=_comment(_("the Workbench model file the network starts from")),
        COPIED=repr(copied),
        SHA=repr(report.sha256),
        SHA_WORDS=_("the file's fingerprint"),
        CHANGED=repr(_("{path} is not the model file the run started from: its contents changed")),
        COPIED_WORDS=_comment(
            _("its layers that match this network's (same place, kind and shapes); the others start fresh")
        ),
        DOC=_("Copy the weights of the layers in COPIED from the model file in `path`."),
        SAFE_WORDS=_("weights only: nothing in the file is run"),
    )


SUPERVISED = '''
    loss_fn = nn.@LOSS@()
    METRICS = @METRICS@


    def metric_sums(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """@METRIC_DOC@"""
        return @METRIC@.double().reshape(1)


    def train_loss(
        model: nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int, step: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(the loss to train on, the loss as logged, the metric summed over the batch)."""
        out = model(x)
        loss = loss_fn(out, y)
        return loss, loss.detach(), metric_sums(out.detach(), y)


    def eval_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the batch's loss, the metric summed over the batch)."""
        out = model(x)
        return loss_fn(out, y), metric_sums(out, y)
'''

RECONSTRUCTION = '''
    BETA = @BETA@  # @BETA_WORDS@
    KL_WARMUP = @WARMUP@  # @WARMUP_WORDS@
    METRICS = @METRICS@


    def beta_at(epoch: int) -> float:
        """The weight of the KL term in `epoch` (from 0): rising over the warm-up."""
        if KL_WARMUP <= 0:
            return BETA
        return BETA * min(1.0, (epoch + 1) / (KL_WARMUP + 1))


    @TERMS@


    def train_loss(
        model: nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int, step: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(the loss to train on, the loss as logged with the full BETA, the terms summed over the batch)."""
        recon, kl = terms(model, x, step)
        loss = (recon + beta_at(epoch) * kl).mean()
        logged = (recon + BETA * kl).mean().detach()
        return loss, logged, sums(recon.detach(), kl.detach())


    def eval_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the batch's loss, the terms summed over the batch)."""
        recon, kl = terms(model, x)
        return (recon + BETA * kl).mean(), sums(recon, kl)
'''

LOSS_CLASSES = {"cross_entropy": "CrossEntropyLoss", "mse": "MSELoss", "l1": "L1Loss"}


VAE_TERMS = '''def noise(shape: torch.Size, step: int) -> torch.Tensor:
    """The standard normal noise of training step `step`. Drawn from a generator seeded with the
    seed and the step rather than with torch.randn_like: every step's noise then follows from the
    seed alone, as Workbench draws it (so a run continued from a file draws what the uncut run would)."""
    generator = torch.Generator().manual_seed(SEED * 1_000_003 + step)
    return torch.randn(shape, generator=generator)


def terms(model: nn.Module, x: torch.Tensor, step: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's reconstruction loss and KL term. In training the decoder gets a code drawn
    around the mean (the reparameterization trick: the draw keeps a gradient), else the mean."""
    mean, log_var = model.encode(x)
    z = mean
    if step is not None:
        z = mean + noise(mean.shape, step).to(mean.device) * (0.5 * log_var).exp()
    out = model.decoder(z)
    @RECON@
    return recon, -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(1)


def sums(recon: torch.Tensor, kl: torch.Tensor) -> torch.Tensor:
    """Both terms summed over the batch (divided by the samples at the end of the epoch)."""
    return torch.stack([recon.sum(dtype=torch.float64), kl.sum(dtype=torch.float64)])'''

AE_TERMS = '''def terms(model: nn.Module, x: torch.Tensor, step: int | None = None) -> tuple[torch.Tensor, ...]:
    """Each sample's reconstruction loss, and a KL term of 0 (a plain autoencoder has none)."""
    z, _ = model.encode(x)
    out = model.decoder(z)
    @RECON@
    return recon, torch.zeros_like(recon)


def sums(recon: torch.Tensor, kl: torch.Tensor) -> torch.Tensor:
    """The reconstruction loss summed over the batch (divided by the samples at the end of the epoch)."""
    return torch.stack([recon.sum(dtype=torch.float64)])'''


def _loss(facts: Facts) -> Part:
    if facts.autoencoder:
        spec = facts.experiment.network.autoencoder
        bce = spec.reconstruction == "bce"
        recon = (
            'recon = F.binary_cross_entropy_with_logits(out, x, reduction="none").flatten(1).sum(1)'
            if bce
            else "recon = (out - x).pow(2).flatten(1).sum(1)"
        )
        terms = VAE_TERMS if spec.variational else AE_TERMS
        code = _fill(
            RECONSTRUCTION,
            TERMS=terms,
            BETA=repr(spec.beta),
            BETA_WORDS=_("the weight of the KL term (0: a plain autoencoder)"),
            WARMUP=spec.kl_warmup_epochs,
            WARMUP_WORDS=_("epochs over which the KL weight rises to BETA"),
            METRICS=facts.metrics,
            RECON=recon,
        )
        words = _(
            "The loss of an autoencoder: how far each rebuilt input is from the input (the reconstruction), "
            "plus β times the KL term, which pulls every code's distribution towards a standard normal."
        )
        return Part(_("The loss"), words, code)
    classify = facts.task is Task.CLASSIFICATION
    code = _fill(
        SUPERVISED,
        LOSS=LOSS_CLASSES[facts.experiment.loss_name],
        METRICS=facts.metrics,
        METRIC_DOC=_("How many answers are right (accuracy, once divided by the samples).")
        if classify
        else _("The absolute error of the answers (MAE, once divided by the samples)."),
        METRIC="(out.argmax(1) == y).sum()" if classify else "(out - y).abs().mean(1).sum()",
    )
    words = (
        _("The loss: cross entropy compares the network's scores for each class with the true class.")
        if facts.experiment.loss_name == "cross_entropy"
        else _("The loss: how far the network's answers are from the true values.")
    )
    return Part(_("The loss"), words, code)


EPOCHS_SENTINEL = 987_654_321


def _arguments(arguments: dict[str, Any], first: str) -> str:
    """A call's arguments, one a line (`first` before the named ones), the run's epochs by name."""
    named = [f"{k}={v!r}".replace(repr(EPOCHS_SENTINEL), "epochs") for k, v in arguments.items()]
    return "(\n" + "".join(f"        {a},\n" for a in [first, *named]) + "    )"


def _optimizer(facts: Facts) -> Part:
    training = facts.experiment.training
    weights = "[p for p in model.parameters() if p.requires_grad]" if facts.frozen else "model.parameters()"
    optimizer = f"torch.optim.{training.optimizer.name}{_arguments(training.optimizer.arguments(), weights)}"
    schedule = training.scheduler
    scheduler = (
        f"torch.optim.lr_scheduler.{schedule.torch_class}{_arguments(schedule.arguments(EPOCHS_SENTINEL), 'optimizer')}"
        if schedule.torch_class
        else "None  # " + _("no schedule: the learning rate stays as it is")
    )
    code = _fill(
        '''
        def make_optimizer(model: nn.Module, epochs: int) -> tuple[torch.optim.Optimizer, Any]:
            """The optimizer, which changes the weights after each batch, and the learning rate's schedule."""
            optimizer = @OPTIMIZER@
            scheduler = @SCHEDULER@
            return optimizer, scheduler
        ''',
        OPTIMIZER=optimizer,
        SCHEDULER=scheduler,
    )
    words = _(
        "The optimizer with every one of its settings, and the schedule that changes the learning rate "
        "after each epoch."
    )
    return Part(_("The optimizer"), words, code)


TRAIN_EPOCH = '''
    MIN_BATCH = @MIN_BATCH@  # @MIN_BATCH_WORDS@
    EVAL_BATCH = @EVAL_BATCH@  # @EVAL_BATCH_WORDS@
    L1 = @L1@  # @L1_WORDS@
    GRAD_CLIP = @CLIP@  # @CLIP_WORDS@


    def train_epoch(
        model: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        normalize: Normalize,
        optimizer: torch.optim.Optimizer,
        order: torch.Tensor,
        epoch: int,
        step: int,
    ) -> tuple[dict[str, float], int]:
        """One pass over the training samples in `order`, a batch at a time: (the epoch's mean loss
        and metrics, the optimizer steps taken so far)."""
        model.train()  # dropout on, BatchNorm learning its statistics
        loss_sum = torch.zeros((), dtype=torch.float64, device=x.device)
        metric_sum = torch.zeros(len(METRICS), dtype=torch.float64, device=x.device)
        seen = 0
        for first in range(0, len(order), BATCH_SIZE):
            if len(order) - first < MIN_BATCH:
                break  # too few for BatchNorm: they come in another batch next epoch
            batch = order[first : first + BATCH_SIZE]
            xb, yb = normalize(x[batch], training=True), y[batch]
            optimizer.zero_grad(set_to_none=True)
            loss, logged, batch_sums = train_loss(model, xb, yb, epoch, step)
            @BACKWARD@
            optimizer.step()
            loss_sum += logged.double() * len(yb)
            metric_sum += batch_sums
            seen += len(yb)
            step += 1
        totals = torch.cat([loss_sum.reshape(1), metric_sum]).tolist()
        logs = {"loss": totals[0] / seen, **{k: t / seen for k, t in zip(METRICS, totals[1:], strict=True)}}
        return logs, step


    @torch.no_grad()
    def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, normalize: Normalize) -> dict[str, float]:
        """The mean loss and metrics over a whole set, in evaluation mode (dropout off), without gradients."""
        was_training = model.training
        model.eval()
        loss_sum = torch.zeros(1, dtype=torch.float64, device=x.device)
        metric_sum = torch.zeros(len(METRICS), dtype=torch.float64, device=x.device)
        for first in range(0, len(y), EVAL_BATCH):
            xb, yb = normalize(x[first : first + EVAL_BATCH]), y[first : first + EVAL_BATCH]
            loss, batch_sums = eval_loss(model, xb, yb)
            loss_sum += loss.double() * len(yb)
            metric_sum += batch_sums
        model.train(was_training)
        totals = torch.cat([loss_sum, metric_sum]).tolist()
        n = max(len(y), 1)
        return {"loss": totals[0] / n, **{k: t / n for k, t in zip(METRICS, totals[1:], strict=True)}}
'''


def _loop(facts: Facts) -> Part:
    training = facts.experiment.training
    backward = [
        "if L1:",
        "    penalty = sum(p.abs().sum() for p in model.parameters() if p.dim() > 1)  # "
        + _("the weights, not the biases"),
        "    (loss + L1 * penalty).backward()  # " + _("the logged loss stays the data's loss"),
        "else:",
        "    loss.backward()  # " + _("backpropagation: the gradient of the loss for every weight"),
        "if GRAD_CLIP:",
        "    nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)",
    ]
    code = _fill(
        TRAIN_EPOCH,
        MIN_BATCH=facts.experiment.network.min_batch,
        MIN_BATCH_WORDS=_("the fewest samples a training batch may hold: 2 with BatchNorm"),
        EVAL_BATCH=EVAL_BATCH,
        EVAL_BATCH_WORDS=_("samples per batch when evaluating: larger, as no gradients are kept"),
        L1=repr(training.l1),
        L1_WORDS=_("L1 penalty: pushes weights to zero (0: off)"),
        CLIP=repr(training.grad_clip),
        CLIP_WORDS=_("the largest gradient norm allowed (0: no clipping)"),
        BACKWARD=("\n" + " " * 8).join(backward),
    )
    words = _(
        "One epoch of training: for every batch, the forward pass, the loss, backpropagation of its "
        "gradient and one step of the optimizer. Then the evaluation of a whole set."
    )
    return Part(_("Training and evaluation"), words, code)


RUN = '''
    MONITOR = @MONITOR@  # @MONITOR_WORDS@
    MODE = @MODE@  # @MODE_WORDS@
    MIN_DELTA = @MIN_DELTA@
    EARLY_STOPPING = @EARLY@  # @EARLY_WORDS@
    PATIENCE = @PATIENCE@
    RESTORE_BEST = @RESTORE@  # @RESTORE_WORDS@
    WEIGHTS_FILE = @WEIGHTS@

    DIVERGED_LINE = @DIVERGED@
    STOPPED_LINE = @STOPPED@
    SAVED_LINE = @SAVED@
    EPOCH_LINE = @EPOCH_LINE@
    PATIENCE_LINE = @PATIENCE_LINE@
    TEST_LINE = @TEST_LINE@
    SCORES = @SCORES@
    DESCRIPTION = @DESCRIPTION@
    EPOCHS_HELP = @EPOCHS_HELP@
    DEVICE_HELP = @DEVICE_HELP@
    SAVE_HELP = @SAVE_HELP@
    METRICS_HELP = @METRICS_HELP@@PREDICT_HELP@


    def improved(value: float, best: float | None) -> bool:
        """Whether `value` beats the best so far by more than MIN_DELTA."""
        if not math.isfinite(value):
            return False
        if best is None:
            return True
        return value < best - MIN_DELTA if MODE == "min" else value > best + MIN_DELTA


    def main(argv: list[str] | None = None) -> dict[str, list[float]]:
        """Train, test and save; returns every epoch's numbers."""
        parser = argparse.ArgumentParser(description=DESCRIPTION)
        parser.add_argument("--epochs", type=int, default=EPOCHS, help=EPOCHS_HELP)
        parser.add_argument("--device", default="cpu", help=DEVICE_HELP)
        parser.add_argument("--save", default=WEIGHTS_FILE, help=SAVE_HELP)
        parser.add_argument("--metrics-out", help=METRICS_HELP)@PREDICT_OPTION@
        args = parser.parse_args(argv)
        device = torch.device(args.device)@PREDICT_CALL@

        torch.manual_seed(SEED)  # @SEED_WORDS@
        x, y, class_names = load_data()@ROWS@
        train, val, test = (torch.from_numpy(indices) for indices in split(len(y)))
        normalize = @NORMALIZE@
        indices = {"train": train, "val": val, "test": test}
        sets = {name: (x[i].to(device), y[i].to(device)) for name, i in indices.items()}
        model = Net().to(device)  # @MODEL_WORDS@@START@
        optimizer, scheduler = make_optimizer(model, args.epochs)
        generator = torch.Generator().manual_seed(SEED)  # @ORDER_WORDS@
        log = open(args.metrics_out, "w", encoding="utf-8") if args.metrics_out else None
        monitor = MONITOR if len(val) else "loss"
        history: dict[str, list[float]] = {}
        best, best_epoch, wait, best_weights = None, None, 0, None
        step = 0
        for epoch in range(args.epochs):
            started = time.perf_counter()
            lr = float(optimizer.param_groups[0]["lr"])
            order = torch.randperm(len(train), generator=generator).to(device)
            logs, step = train_epoch(model, *sets["train"], normalize, optimizer, order, epoch, step)
            if len(val):
                logs.update({f"val_{k}": v for k, v in evaluate(model, *sets["val"], normalize).items()})
            logs["lr"] = lr
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(logs.get("val_loss", logs["loss"]))
            elif scheduler is not None:
                scheduler.step()
            for key, value in logs.items():
                history.setdefault(key, []).append(value)
            if improved(logs[monitor], best):
                best, best_epoch, wait = logs[monitor], epoch, 0
                if RESTORE_BEST:
                    best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                wait += 1
            stopping = EARLY_STOPPING and len(val) > 0
            said = {
                "epoch": epoch + 1,
                "epochs": args.epochs,
                "metrics": "  ".join(f"{k} {v:.4g}" for k, v in logs.items()),
                "seconds": f"{time.perf_counter() - started:.2f}",
            }
            if stopping:
                print(PATIENCE_LINE.format(patience=max(PATIENCE - wait, 0), **said), flush=True)
            else:
                print(EPOCH_LINE.format(**said), flush=True)
            if log is not None:
                log.write(json.dumps({"epoch": epoch + 1, **logs}) + "\\n")
            if not all(math.isfinite(v) for v in logs.values()):
                print(DIVERGED_LINE)
                if best_weights is not None:
                    model.load_state_dict(best_weights)
                break
            if stopping and wait >= PATIENCE:
                print(STOPPED_LINE.format(patience=PATIENCE, epoch=best_epoch + 1 if best_epoch is not None else "-"))
                if best_weights is not None:
                    model.load_state_dict(best_weights)  # @RESTORED_WORDS@
                break
            if stopping and epoch + 1 == args.epochs and best_weights is not None and best_epoch != epoch:
                model.load_state_dict(best_weights)  # @RESTORED_WORDS@
        test_scores = None
        if len(test):
            test_scores = evaluate(model, *sets["test"], normalize)
            shown = "  ".join(
                f"{SCORES[k]} {v:.2%}" if k == "accuracy" else f"{SCORES[k]} {v:.4g}"
                for k, v in test_scores.items()
                if k != "loss"
            )
            print(TEST_LINE.format(samples=f"{len(test):,}", loss=f"{test_scores['loss']:.4f}", scores=shown))
        if log is not None:
            best_said = None if best_epoch is None else best_epoch + 1
            log.write(json.dumps({"event": "end", "best_epoch": best_said, "test": test_scores}) + "\\n")
            log.close()
        saved = {
            "weights": model.state_dict(),
            "mean": normalize.mean.cpu(),
            "std": normalize.std.cpu(),
            "classes": class_names,
        }@SAVE_MORE@
        torch.save(saved, args.save)
        print(SAVED_LINE.format(path=args.save))
        return history
'''


def _run(facts: Facts) -> Part:
    training = facts.experiment.training
    es = training.early_stopping
    dataset = facts.experiment.dataset
    standardize = dataset.normalize.mode == "standardize"
    pictures = _predicts_pictures(facts)
    answers = pictures or _predicts_numbers(facts)
    metavar = "PICTURE" if pictures else "X1,X2,..."
    predict_option = (
        f'\n    parser.add_argument("--predict", metavar="{metavar}", help=PREDICT_HELP)' if answers else ""
    )
    predict_help = (
        _("answer for this picture with the saved weights, instead of training")
        if pictures
        else _("answer for one input, its numbers separated by commas, with the saved weights, instead of training")
    )
    code = _fill(
        RUN,
        MONITOR=repr(es.monitor),
        MONITOR_WORDS=_("what the best epoch is judged by (the training loss when there is no validation set)"),
        MODE=repr(resolve_mode(es.monitor, es.mode)),
        MODE_WORDS=_("min: lower is better; max: higher is better"),
        MIN_DELTA=repr(abs(es.min_delta)),
        EARLY=repr(es.enabled),
        EARLY_WORDS=_("early stopping: stop when MONITOR has not improved for PATIENCE epochs"),
        PATIENCE=es.patience,
        RESTORE=repr(es.enabled and es.restore_best_weights),
        RESTORE_WORDS=_("end on the weights of the best epoch"),
        WEIGHTS=repr(f"{facts.name}.weights.pt"),
        EPOCH_LINE=repr(_("Epoch {epoch}/{epochs}  {metrics}  ({seconds}s)")),
        PATIENCE_LINE=repr(_("Epoch {epoch}/{epochs}  {metrics}  ({seconds}s)  patience left {patience}")),
        TEST_LINE=repr(_("{split} ({samples} samples): loss {loss}  {scores}").replace("{split}", _("Test"))),
        SCORES=repr({k: _(n) for k, n in SCORE_NAMES.items() if k in facts.metrics}),
        DESCRIPTION=repr(
            _("Train {name} as in Workbench.").format(
                name=_(facts.experiment.name) if facts.experiment.name else facts.name
            )
        ),
        EPOCHS_HELP=repr(_("how many epochs to train")),
        DEVICE_HELP=repr(_("cpu or cuda (on a GPU the numbers come close to the run's, not equal)")),
        SAVE_HELP=repr(
            _("where to save the trained weights (with --predict: where to read them)")
            if answers
            else _("where to save the trained weights")
        ),
        METRICS_HELP=repr(_("a file to write each epoch's numbers to, one JSON line each")),
        PREDICT_OPTION=predict_option,
        PREDICT_HELP="\nPREDICT_HELP = " + repr(predict_help) if answers else "",
        PREDICT_CALL=PREDICT_CALL if answers else "",
        SEED_WORDS=_("the starting weights and every dropout mask come from here"),
        ROWS=_kept_classes(dataset)
        + (
            ("\n    pictures = x\n    x = as_rows(x)  # " + _("each picture read row by row, as a sequence"))
            if dataset.reads_rows
            else ("\n    pictures = x" if pictures else "")
        ),
        NORMALIZE="Normalize(*fit_normalization(x[train]), device)" if standardize else "Normalize(MEAN, STD, device)",
        MODEL_WORDS=_("its starting weights are drawn now, from the seed"),
        START="\n    start_from(model, START_FROM)  # " + _("the layers that match take the trained model's weights")
        if facts.experiment.network.start_from
        else "",
        ORDER_WORDS=_("the order of the training samples, new each epoch"),
        DIVERGED=repr(_("The loss is no longer a number: the run has diverged. Try a smaller learning rate.")),
        STOPPED=repr(_("Early stopping: no improvement for {patience} epochs; the best epoch was {epoch}.")),
        RESTORED_WORDS=_("back to the best epoch's weights"),
        SAVE_MORE='\n    saved["picture"] = picture_facts(pictures[train][:1000])' if pictures else "",
        SAVED=repr(_("Saved the trained weights to {path}")),
    )
    words = _(
        "The run: the data split and normalized, the network and the optimizer made, then epoch after "
        "epoch of training and validation, with early stopping; at the end the test and the saved weights."
    )
    return Part(_("The run"), words, code)


SCORE_NAMES = {"accuracy": "accuracy", "mae": "MAE", metric_for(Task.RECONSTRUCTION).key: "reconstruction"}
SCORE_NAMES[KL_KEY] = "KL"
PREDICT_CALL = "\n    if args.predict:\n        answer(args.predict, args.save, device)\n        return {}"


def _kept_classes(dataset: DatasetBase) -> str:
    """The lines of `main` that keep only the dataset's chosen classes (none when it keeps all)."""
    classes = list(getattr(dataset, "classes", ()))
    if not classes:
        return ""
    said = _("only these classes, numbered again from 0 in this order")
    return (
        f"\n    classes = torch.tensor({classes!r})  # {said}"
        "\n    relabel = torch.full((max(int(y.max()), int(classes.max())) + 1,), -1, dtype=torch.int64)"
        "\n    relabel[classes] = torch.arange(len(classes))"
        "\n    keep = torch.isin(y, classes)"
        "\n    x, y, class_names = x[keep], relabel[y[keep]], [class_names[c] for c in classes.tolist()]"
    )


def _predicts_numbers(facts: Facts) -> bool:
    """Whether the script answers for an input typed as numbers: a flat input (2-D points, a row of
    a table) to a classifier or a regressor."""
    return len(facts.input_shape) == 1 and not facts.autoencoder


def _predicts_pictures(facts: Facts) -> bool:
    """Whether the script answers for a student's own picture: a classifier of pictures."""
    return facts.pictures and facts.task is Task.CLASSIFICATION and not facts.autoencoder


ANSWER = '''
    @DARK@  # @DARK_WORDS@
    NO_WEIGHTS = @TRAIN_FIRST@


    def border(images: torch.Tensor) -> float:
        """Mean brightness of the outermost pixels of (N, C, H, W) pictures."""
        edges = [images[..., 0, :], images[..., -1, :], images[..., 0], images[..., -1]]
        return float(torch.cat([e.flatten() for e in edges]).float().mean())


    def picture_facts(train_pictures: torch.Tensor) -> dict[str, Any]:
        """What preparing a new picture needs to know of the training pictures."""
        pictures = train_pictures.cpu()
        return {
            "shape": list(pictures.shape[1:]),
            "dark": border(pictures) < DARK,
            "fill": ink_fill(pictures) if pictures.shape[1] == 1 else 1.0,
            "peak": float(pictures.flatten(1).amax(1).float().median()),
        }


    def answer(path: str, weights_file: str, device: torch.device) -> None:
        """The trained network's answer for the picture at `path`, prepared as the training pictures were."""
        from PIL import Image

        if not Path(weights_file).is_file():
            raise SystemExit(NO_WEIGHTS.format(path=weights_file))
        saved = torch.load(weights_file, map_location=device, weights_only=True)
        facts = saved["picture"]
        channels, height, width = facts["shape"]
        with Image.open(path) as opened:
            image = upright_on_white(opened)
            if channels == 1 and facts["dark"]:  # @INK_WORDS@
                gray = np.array(image.convert("L"), dtype=np.uint8)
                picture = torch.from_numpy(prepare_ink(gray, height, width, facts["fill"], facts["peak"])[0])
            else:
                converted = image.convert("L" if channels == 1 else "RGB")
                array = np.array(converted.resize((width, height), Image.Resampling.BILINEAR), dtype=np.uint8)
                picture = torch.from_numpy((array[None] if array.ndim == 2 else array.transpose(2, 0, 1)).copy())
                if facts["dark"] and border(picture[None]) > 255 - DARK:
                    picture = 255 - picture
        model = Net().to(device)
        model.load_state_dict(saved["weights"])
        model.eval()
        normalize = Normalize(saved["mean"].flatten().tolist(), saved["std"].flatten().tolist(), device)
        sample = @SAMPLE@
        with torch.no_grad():
            probabilities = torch.softmax(model(normalize(sample.to(device))).float(), dim=1)[0]
        for k in probabilities.argsort(descending=True)[:3].tolist():
            print(f"{saved['classes'][k]}  {probabilities[k]:.1%}")
'''


def _answer(facts: Facts) -> Part:
    helpers = [
        "\n".join(copied(PICTURE, name) for name in ("INK", "SUPERSAMPLE", "TRIM")),
        copied(PICTURE, "upright_on_white"),
        *(copied(PICTURE, name) for name in INK_FUNCTIONS),
    ]
    code = _fill(
        ANSWER,
        DARK=copied("workbench.engine.predict", "DARK"),
        DARK_WORDS=_("a border darker than this (0-255) is a dark background, as in MNIST and the digits"),
        INK_WORDS=_("ink on a dark background: drawn the way the training pictures were"),
        TRAIN_FIRST=repr(_("{path} is not there: train first (without --predict), or give --save the weights file")),
        SAMPLE="as_rows(picture[None])" if facts.experiment.dataset.reads_rows else "picture[None]",
    )
    words = _(
        "Trying the trained network on a picture of your own (python SCRIPT --predict photo.png): the "
        "picture is prepared as the training pictures were made, as in Workbench's Try a picture."
    ).replace("SCRIPT", f"{facts.name}.py")
    return Part(_("Try a picture"), words, "\n\n\n".join([*helpers, code]))


ANSWER_NUMBERS = '''
    NO_WEIGHTS = @TRAIN_FIRST@
    COUNT = @COUNT@


    def answer(values: str, weights_file: str, device: torch.device) -> None:
        """The trained network's answer for one input: its @FEATURES@ numbers separated by commas."""
        if not Path(weights_file).is_file():
            raise SystemExit(NO_WEIGHTS.format(path=weights_file))
        numbers = [float(v) for v in values.split(",")]
        if len(numbers) != @FEATURES@:
            raise SystemExit(COUNT.format(found=len(numbers)))
        saved = torch.load(weights_file, map_location=device, weights_only=True)
        model = Net().to(device)
        model.load_state_dict(saved["weights"])
        model.eval()
        normalize = Normalize(saved["mean"].flatten().tolist(), saved["std"].flatten().tolist(), device)
        with torch.no_grad():
            out = model(normalize(torch.tensor([numbers], device=device)))[0]
        @SHOW@
'''

SHOW_CLASSES = """probabilities = torch.softmax(out.float(), dim=0)
for k in probabilities.argsort(descending=True)[:3].tolist():
    print(f"{saved['classes'][k]}  {probabilities[k]:.1%}")"""


def _answer_numbers(facts: Facts) -> Part:
    features = facts.input_shape[0]
    show = SHOW_CLASSES if facts.task is Task.CLASSIFICATION else 'print("  ".join(f"{v:.6g}" for v in out.tolist()))'
    code = _fill(
        ANSWER_NUMBERS,
        TRAIN_FIRST=repr(_("{path} is not there: train first (without --predict), or give --save the weights file")),
        COUNT=repr(_("the network takes {count} numbers, not {found}").replace("{count}", str(features))),
        FEATURES=features,
        SHOW=show.replace("\n", "\n    "),
    )
    words = _(
        "Trying the trained network on an input of your own (python SCRIPT --predict 0.5,-1.2): its numbers "
        "are normalized as the training inputs were, and the network answers."
    ).replace("SCRIPT", f"{facts.name}.py")
    return Part(_("Try an input"), words, code)


# --- the whole script -----------------------------------------------------------------------


def script_parts(experiment: ExperimentSpec, input_shape: Shape, name: str, base_dir: Path | None = None) -> list[Part]:
    """The parts of the script that trains `experiment` (samples of `input_shape`, its data files
    found from `base_dir`) as the workbench does; `name` is the script's, without `.py`."""
    facts = Facts(experiment, input_shape, experiment.dataset.task_kind(), name, base_dir)
    data = data_code(experiment.dataset, experiment.training.seed, base_dir)
    parts = [
        _settings(facts, data),
        _data(facts, data),
        _split(facts),
        _normalization(facts),
        _model(facts),
        _loss(facts),
        _optimizer(facts),
        _loop(facts),
        _run(facts),
    ]
    if _predicts_pictures(facts):
        parts.append(_answer(facts))
    elif _predicts_numbers(facts):
        parts.append(_answer_numbers(facts))
    return parts


DDP_WORDS = N_(
    "The run trained on {count} processes together (DDP); this script trains the same network on one "
    "process, so its numbers differ from the run's."
)


def _needs(experiment: ExperimentSpec) -> list[str]:
    """The libraries the script imports, as pip names them."""
    kind = experiment.dataset.kind
    layers = [*experiment.network.layers, *experiment.network.decoder]
    needs = ["torch", "numpy"]
    if kind in ("digits", "moons", "circles"):
        needs.append("scikit-learn")
    if kind in ("mnist", "fashion_mnist", "cifar10") or any(layer.type == "Permute" for layer in layers):
        needs.append("torchvision")
    classifier = experiment.task is Task.CLASSIFICATION
    if kind == "image_folder" or (kind in PICTURE_KINDS and classifier):
        needs.append("Pillow")
    return needs


def _header(experiment: ExperimentSpec, name: str) -> str:
    """The script's docstring: what it is, how to run it, what it needs, and what it promises."""
    lines = [
        _("{name}: the Workbench run as a plain PyTorch script.").format(
            name=_(experiment.name) if experiment.name else name
        ),
        "",
        _("Run it: `python {file} [--epochs N] [--device cpu|cuda]`").format(file=f"{name}.py"),
        _("Needs: Python 3.10 or newer, {modules}").format(modules=listing(_needs(experiment))),
        "",
        *wrap(
            _(
                "On the CPU, with the same seed, it replays the run: every epoch's training and validation "
                "losses are Workbench's, because it draws its random numbers in the same order (starting "
                "weights, split, sample order, dropout, augmentation, a VAE's noise). A GPU computes with "
                "other kernels, some of them not deterministic: the numbers come close, not equal."
            ),
            WIDTH,
        ),
    ]
    processes = experiment.training.processes
    if processes > 1:
        lines += ["", *wrap(_(DDP_WORDS).format(count=processes), WIDTH)]
    return '"""' + "\n".join(lines) + '\n"""'


def script_text(parts: list[Part], experiment: ExperimentSpec, name: str) -> str:
    """The parts as one Python file: each with its title and words as comments, then the entry point."""
    body = [_header(experiment, name), ""]
    for n, part in enumerate(parts, start=1):
        rule = "# " + "-" * (WIDTH - 2)
        body += ["", rule, f"# {n}. {part.title}", _comment(part.words), rule, "", part.code, ""]
    body += ["", 'if __name__ == "__main__":', "    main()", ""]
    return "\n".join(body)


def notebook(parts: list[Part], experiment: ExperimentSpec, name: str) -> dict[str, Any]:
    """The parts as a Jupyter notebook (nbformat 4): the words of each part as a text cell above its
    code; the last cell trains."""
    title = _header(experiment, name).strip('"').strip("\n").splitlines()
    cells = [_markdown("# " + title[0] + "\n\n" + " ".join(line for line in title[3:] if line))]
    for n, part in enumerate(parts, start=1):
        cells += [_markdown(f"## {n}. {part.title}\n\n{part.words}"), _code(part.code)]
    trains = _("Train, test and save (the same as running the script); {more} trains 5 epochs, {gpu} on a GPU.")
    more, gpu = '`main(["--epochs", "5"])`', '`main(["--device", "cuda"])`'
    cells += [_markdown(trains.format(more=more, gpu=gpu)), _code("history = main([])")]
    if any(part.code.startswith(copied(PICTURE, "INK")) for part in parts):  # a picture classifier
        cells += [
            _markdown(_("Try a picture of your own: put its file's name in the line below and run it.")),
            _code('# answer("my_digit.png", WEIGHTS_FILE, torch.device("cpu"))'),
        ]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "workbench": {"language": language()},
        },
        "cells": [{**cell, "id": f"cell-{i}"} for i, cell in enumerate(cells)],
    }


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def _code(text: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text.strip("\n").splitlines(keepends=True),
    }


def notebook_text(parts: list[Part], experiment: ExperimentSpec, name: str) -> str:
    """The notebook as the JSON of an .ipynb file."""
    return json.dumps(notebook(parts, experiment, name), indent=1, ensure_ascii=False) + "\n"


FORMATS = {"script": ".py", "notebook": ".ipynb"}


@dataclass(frozen=True)
class ScriptSource:
    """What a script is written from: an experiment, its samples' shape and where its files are."""

    experiment: ExperimentSpec
    input_shape: Shape
    base_dir: Path | None = None

    @classmethod
    def of_experiment(cls, experiment: ExperimentSpec, base_dir: Path | None) -> ScriptSource:
        """An experiment not trained yet; raises SpecError or DataError when its data cannot be read."""
        return cls(experiment, experiment.data_shape(base_dir).input_shape, base_dir)


def script_source(path: Path, memory_limit: int | None = None) -> ScriptSource:
    """The run a model file (.pt) holds, or the experiment a file or a preset's name stands for.
    Raises ModelFileError, SpecError or DataError, each saying what is wrong."""
    if path.suffix.lower() == ".pt":
        from .model_file import load_model

        loaded = load_model(path, memory_limit)
        experiment = loaded.experiment
        planned = loaded.history.get("epochs_planned")
        if isinstance(planned, int) and planned > experiment.training.epochs:  # a run continued for more
            training = experiment.training.model_copy(update={"epochs": planned})
            experiment = experiment.model_copy(update={"training": training})
        return ScriptSource(experiment, loaded.input_shape, path.resolve().parent)
    from ..spec.presets import find_experiment

    found = find_experiment(path)
    return ScriptSource.of_experiment(ExperimentSpec.load(found), found.resolve().parent)


def export_text(source: ScriptSource, fmt: str, name: str) -> str:
    """The script (`fmt` "script") or notebook ("notebook") of `source`, named `name`."""
    parts = script_parts(source.experiment, source.input_shape, name, source.base_dir)
    write = notebook_text if fmt == "notebook" else script_text
    return write(parts, source.experiment, name)
