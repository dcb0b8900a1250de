"""Data paths no system can open (too long, a home folder of no one) are said, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.helpers import tiny
from workbench.spec.peek import DataError, existing_path


@pytest.mark.parametrize("text", ["a" * 6000 + "/x.csv", "b" * 300 + ".csv"])
def test_a_path_too_long_for_the_system_is_said_shortened(tmp_path: Path, text: str) -> None:
    with pytest.raises(DataError) as caught:
        existing_path(str(tmp_path / text), "path", None)
    assert caught.value.problem.path == "dataset.path"
    assert "…" in str(caught.value) and len(str(caught.value)) < 400  # readable, not 6,000 characters


def test_the_home_of_no_one_is_a_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        existing_path("~no_such_user_here/x.csv", "path", tmp_path)
    assert caught.value.problem.path == "dataset.path"
    experiment = tiny(dataset={"kind": "csv", "path": "~no_such_user_here/x.csv", "target": "y"})
    with pytest.raises(DataError):
        experiment.data_shape(tmp_path)
