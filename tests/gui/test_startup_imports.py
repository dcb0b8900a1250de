"""The window appears before PyTorch has loaded: nothing it imports at start may import torch."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_window_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import workbench.gui.main_window, workbench.gui.app\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout
