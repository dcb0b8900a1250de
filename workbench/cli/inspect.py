"""`workbench inspect FILE.json`: the shape table of a network (needs no torch)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from ..engine.memory import check_fits
from ..i18n import _
from ..spec import ExperimentSpec, NetworkAnalysis, SpecError, format_shape
from ..spec.layers import Residual, projection
from ..spec.peek import DataError
from .common import EXIT_BAD_INPUT, EXIT_OK, fail, table


def shape_table(analysis: NetworkAnalysis) -> list[str]:
    """Index, layer, output shape, parameters and inferred input sizes; then the total."""
    rows = [("#", _("layer"), _("output shape"), _("parameters"), _("inferred"))]
    for row in analysis.rows:
        shape = format_shape(row.output_shape) if row.output_shape is not None else _("error")
        inferred = ", ".join(f"{name}={value}" for name, value in row.inferred.items())
        index, layer = str(row.index), row.layer.summary() + (" " + _("frozen") if row.frozen else "")
        if row.part == "latent" and row.output_shape is not None:  # one Linear, or a VAE's two: mean, log-variance
            size = row.output_shape[0]
            two = getattr(row.layer, "out_features", size) == 2 * size
            index = _("code")
            layer = _("Linear({size}) x 2: mean, log-variance").format(size=size) if two else f"Linear({size})"
        elif row.part == "decoder":
            index = _("decoder {index}").format(index=row.index)
        if isinstance(row.layer, Residual):
            found = projection(row.input_shape, row.output_shape) if row.output_shape is not None else None
            layer = _("Residual block ({count} layers)").format(count=len(row.layer.layers))
            if row.error is None:
                inferred = _("shortcut: {what}").format(what=found.in_words() if found else _("its input as it is"))
        rows.append((index, layer, shape, f"{row.params:,}", inferred))
        for inner in row.inner:
            inner_shape = format_shape(inner.output_shape) if inner.output_shape is not None else _("error")
            said = ", ".join(f"{name}={value}" for name, value in inner.inferred.items())
            rows.append(
                (f"  {row.index}.{inner.index}", "  " + inner.layer.summary(), inner_shape, f"{inner.params:,}", said)
            )
    total = _("total parameters: {count}").format(count=f"{analysis.total_params:,}")
    if analysis.frozen_params:
        total = _("total parameters: {count} ({trainable} to train, {frozen} frozen)").format(
            count=f"{analysis.total_params:,}",
            trainable=f"{analysis.trainable_params:,}",
            frozen=f"{analysis.frozen_params:,}",
        )
    return [*table(rows, right={3}), total]


def inspect_command(
    path: Path, out: TextIO | None = None, err: TextIO | None = None, memory_limit: int | None = None
) -> int:
    """Print the shape table of the experiment in `path`; exit 2 when it cannot train as written."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        experiment = ExperimentSpec.load(path)
    except SpecError as exc:
        return fail(str(exc), err=err)
    base_dir = path.resolve().parent
    try:
        shape = experiment.data_shape(base_dir)
    except DataError as exc:
        return fail(f"{path}: {exc.problem}", err=err)
    title = _(experiment.name) or path.stem  # a preset's name is in the catalog
    said = _("{title}: {kind} data, input {shape}").format(
        title=title, kind=experiment.dataset.kind, shape=format_shape(shape.input_shape)
    )
    print(said, file=out)
    for line in shape_table(experiment.network.analyze(shape.input_shape)):
        print(line, file=out)
    if experiment.network.start_from:
        said = _("starts from {file}: when a run starts, each layer that matches its layer at the same place copies it")
        print(said.format(file=experiment.network.start_from), file=out)
    estimate = experiment.memory(base_dir)
    print(_("memory to train: {memory}").format(memory=estimate.in_words()), file=out)
    for advice in experiment.advice(base_dir):
        print(_("tip: {advice}").format(advice=advice), file=out)
    problems = experiment.check(base_dir)
    if not problems:
        try:
            check_fits(estimate, "cpu", memory_limit)
        except SpecError as exc:
            problems = list(exc.problems)
    if problems:
        print("workbench: " + _("{path} cannot train as written:").format(path=path), file=err)
        for problem in problems:
            print(f"  {problem}", file=err)
        return EXIT_BAD_INPUT
    return EXIT_OK
