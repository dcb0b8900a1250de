"""Random and mutated documents never raise anything but SpecError (hypothesis)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.spec import ExperimentSpec, SpecError, load_preset, preset_names

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

KEYS = [
    "type",
    "kind",
    "name",
    "layers",
    "network",
    "dataset",
    "training",
    "optimizer",
    "scheduler",
    "lr",
    "out_features",
    "kernel_size",
    "epochs",
    "format_version",
    "normalize",
    "mean",
    "std",
    "betas",
]
PRESET_DOCS = {name: load_preset(name).model_dump(mode="json") for name in preset_names()}


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, (*prefix, i))
    return out


def load_or_refuse(document: Any) -> None:
    try:
        spec = ExperimentSpec.from_dict(document)
    except SpecError as exc:
        assert exc.problems and all(isinstance(str(p), str) for p in exc.problems)
        return
    spec.check()  # a valid document can always be checked without raising
    assert ExperimentSpec.from_json(spec.to_json()) == spec


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=json_values)
def test_random_documents(document: Any) -> None:
    load_or_refuse(document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(sorted(PRESET_DOCS)))
def test_mutated_presets(data: st.DataObject, name: str) -> None:
    doc = copy.deepcopy(PRESET_DOCS[name])
    for _ in range(data.draw(st.integers(1, 3))):
        targets = paths(doc)
        path = data.draw(st.sampled_from(targets[1:] or targets))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(KEYS))] = data.draw(json_values)
        if not isinstance(doc, dict):
            break
    load_or_refuse(doc)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60) | st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
def test_random_text(text: str) -> None:
    try:
        ExperimentSpec.from_json(text)
    except SpecError:
        pass


def test_deeply_nested_json_is_refused() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
        with pytest.raises(SpecError) as info:
            ExperimentSpec.from_json(text)
        assert "JSON" in str(info.value) or "object" in str(info.value)
    assert ExperimentSpec.from_json("{}") == ExperimentSpec.from_dict({})  # shallow JSON still reads


def test_hostile_experiment_files_are_refused_quickly(tmp_path: Path) -> None:
    """Files that would hang or exhaust a reader: each is a SpecError naming what is wrong."""
    big = tmp_path / "big.json"
    big.write_text('{"name": "' + "x" * (5 * 2**20) + '"}')
    cases = {
        "/dev/zero": "not a file: /dev/zero",  # would grow without end if read whole
        str(tmp_path): "not a file",
        str(tmp_path / "missing.json"): "no such file",
        str(tmp_path / ("x" * 300 + ".json")): "cannot read",  # longer than the system allows
        str(big): "larger than an experiment file can be",
    }
    for path, expected in cases.items():
        with pytest.raises(SpecError) as info:
            ExperimentSpec.load(path)
        assert expected in str(info.value), path


def test_hostile_documents_are_refused_quickly() -> None:
    with pytest.raises(SpecError, match="has 1,000,000 layers; a network here has at most 1,000"):
        ExperimentSpec.from_dict({"network": {"layers": [{"type": "ReLU"}] * 1_000_000}})
    with pytest.raises(SpecError, match="a number in it has thousands of digits"):
        ExperimentSpec.from_json('{"training": {"epochs": ' + "9" * 5000 + "}}")
    assert len(ExperimentSpec.from_dict({"network": {"layers": [{"type": "ReLU"}] * 1000}}).network.layers) == 1000
