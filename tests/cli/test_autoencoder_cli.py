"""The command line trains, evaluates and exports an autoencoder: `evaluate` reports its
reconstruction and KL terms on the test split, and TorchScript and ONNX get the encoder and the
decoder in files of their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from tests.engine.test_autoencoder import vae
from workbench.cli import main
from workbench.engine.exporters import onnx_available
from workbench.engine.model_file import load_model


def test_train_evaluate_and_export_a_vae(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    experiment, out = tmp_path / "vae.json", tmp_path / "vae.pt"
    vae(epochs=3).save(experiment)
    assert main(["train", str(experiment), "--out", str(out)]) == 0
    trained = capsys.readouterr().out
    assert re.search(r"Epoch 3/3  loss \S+  recon \S+  kl \S+  val_loss \S+  val_recon \S+  val_kl", trained)
    assert main(["evaluate", str(out)]) == 0
    said = capsys.readouterr().out
    found = re.search(r"Test \(180 samples\): loss (\S+)  reconstruction (\S+)  KL (\S+)", said)
    assert found is not None, said
    loss, recon, kl = (float(v) for v in found.groups())
    assert loss == pytest.approx(recon + kl, rel=1e-3)  # β = 1
    history_test = load_model(out).history["test"]
    assert recon == pytest.approx(history_test["recon"], rel=1e-3)  # the file's own test, measured again
    ts = tmp_path / "vae.ts"
    assert main(["export", str(out), "--format", "torchscript", "--out", str(ts)]) == 0
    assert "vae-decoder.ts (torchscript: the decoder alone)" in capsys.readouterr().out
    decoder = torch.jit.load(str(tmp_path / "vae-decoder.ts"))  # type: ignore[no-untyped-call]
    encoder = torch.jit.load(str(tmp_path / "vae-encoder.ts"))  # type: ignore[no-untyped-call]
    loaded = load_model(out)
    z = torch.randn(5, 2)
    pictures = torch.rand(3, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(decoder(z), loaded.decoder(z), atol=1e-6)
        assert torch.allclose(encoder(pictures), loaded.encoder(pictures), atol=1e-6)


@pytest.mark.skipif(not onnx_available(), reason="the optional onnx packages are not installed")
def test_onnx_export_writes_the_encoder_and_the_decoder(tmp_path: Path) -> None:
    import onnx

    experiment, out = tmp_path / "vae.json", tmp_path / "vae.pt"
    vae(epochs=1).save(experiment)
    assert main(["train", str(experiment), "--out", str(out)]) == 0
    assert main(["export", str(out), "--format", "onnx", "--out", str(tmp_path / "vae.onnx")]) == 0
    decoder = onnx.load(str(tmp_path / "vae-decoder.onnx"))
    metadata = {p.key: p.value for p in decoder.metadata_props}
    assert "latent codes" in metadata["workbench.input"] and (tmp_path / "vae-encoder.onnx").stat().st_size > 0


def test_inspect_shows_the_encoder_the_code_and_the_decoder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    experiment = tmp_path / "vae.json"
    vae().save(experiment)
    assert main(["inspect", str(experiment)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.match(r"code\s+Linear\(2\) x 2: mean, log-variance\s+\(2,\)\s+260\s+in_features=64", lines[5])
    assert re.match(r"decoder 3\s+Unflatten.*\(1, 8, 8\)", lines[9]) and lines[-1].startswith("memory to train")
