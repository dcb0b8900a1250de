"""The spec floor works with neither torch nor PySide6 importable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

SCRIPT = textwrap.dedent(
    """
    import sys
    for name in ("torch", "torchvision", "PySide6", "pyqtgraph", "qasync"):
        sys.modules[name] = None  # any import of these now raises ImportError
    import workbench.spec as spec
    total = 0
    for name in spec.preset_names():
        experiment = spec.load_preset(name)
        assert experiment.check() == [], name
        total += experiment.analyze().total_params
    seed = spec.load_preset("seed_cifar10_cnn").analyze().total_params
    import workbench.cli  # the CLI's inspect path needs no torch either
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "PySide6") and sys.modules[m])
    print(seed, loaded)
    """
)


def test_spec_imports_without_torch_and_qt() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "545098 []"
