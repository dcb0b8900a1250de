"""The window opens without waiting for torch: torch loads in the background, then Train is ready."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

SCRIPT = textwrap.dedent(
    """
    import os, sys, tempfile, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["WORKBENCH_SETTINGS_DIR"] = tempfile.mkdtemp()
    for name in ("torch", "torchvision"):
        sys.modules[name] = None  # as if torch were still importing, or missing
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from workbench.gui import create_main_window
    window = create_main_window()
    window.show()
    deadline = time.monotonic() + 30
    while "PyTorch could not be loaded" not in window.engine_state and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print(window.findChild(object, "paramCountLabel").text())
    print(window.train_button.isEnabled(), window.train_button.toolTip())
    window.close()
    """
)


def test_window_opens_without_torch_and_says_training_is_off() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    shapes, train = result.stdout.strip().splitlines()[-2:]
    assert "4,810" in shapes  # the network's shapes need no torch
    assert train.startswith("False PyTorch could not be loaded, so training is off")
