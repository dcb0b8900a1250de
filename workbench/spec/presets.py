"""The experiments that ship with Workbench, in `resources/presets/`."""

from __future__ import annotations

from pathlib import Path

from ..i18n import _
from .errors import Problem, SpecError
from .experiment import ExperimentSpec

DEFAULT_PRESET = "digits_mlp"


def resources_dir() -> Path:
    """The `resources/` folder: inside the installed package, or beside it in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "resources", package.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        _("Workbench's resources folder is missing (looked in {first} and {second})").format(
            first=package, second=package.parent
        )
    )


def presets_dir() -> Path:
    """The folder of preset experiment files."""
    return resources_dir() / "presets"


# The order a student meets them in: small and instant first, then the lessons, then the downloads.
PRESET_ORDER = (
    "digits_mlp",
    "digits_cnn",
    "spiral_mlp",
    "playground_xor",
    "overfitting_demo",
    "dying_relus",
    "healthy_relus",
    "vanishing_gradients",
    "vanishing_gradients_fixed",
    "deep_plain_cnn",
    "deep_residual_cnn",
    "digits_lstm",
    "sine_forecast_gru",
    "adding_rnn_vs_lstm",
    "transfer_digits_0_4",
    "transfer_finetune",
    "mnist_mlp",
    "mnist_cnn",
    "seed_cifar10_cnn",
)


def preset_names() -> list[str]:
    """Names of the shipped presets (file names without `.json`), in PRESET_ORDER (others after, by name)."""
    names = [p.stem for p in presets_dir().glob("*.json")]
    return sorted(names, key=lambda n: (PRESET_ORDER.index(n) if n in PRESET_ORDER else len(PRESET_ORDER), n))


def preset_path(name: str) -> Path:
    """The file of preset `name`; KeyError naming the known presets when there is none."""
    path = presets_dir() / f"{name}.json"
    if not path.is_file():
        known = ", ".join(preset_names())
        raise KeyError(_("no preset {name}; known presets: {known}").format(name=repr(name), known=known))
    return path


def find_experiment(name: str | Path) -> Path:
    """The experiment file `name` stands for: the file when there is one (a path always wins), else
    the bundled preset of that name (`digits_mlp`, `digits_mlp.json`). A bare name that is neither
    is refused with the presets' names; any other path is returned for its reader to refuse."""
    path = Path(name)
    if path.exists() or len(path.parts) > 1 or path.suffix.lower() not in ("", ".json"):
        return path
    if path.stem in preset_names():
        return preset_path(path.stem)
    raise SpecError(
        [
            Problem(
                "",
                _(
                    "no such file or preset: {name}; the presets are {known} (workbench presets says what each is)"
                ).format(name=str(name), known=", ".join(preset_names())),
            )
        ]
    )


def load_preset(name: str) -> ExperimentSpec:
    """Load a shipped preset by name."""
    return ExperimentSpec.load(preset_path(name))


def default_experiment() -> ExperimentSpec:
    """The experiment the window opens on: a digits network that needs no download."""
    return load_preset(DEFAULT_PRESET)
