"""The data part of an exported script: loading the experiment's dataset as the workbench does,
with torch, numpy, scikit-learn or torchvision only.

Each kind's code defines `load_data() -> (x, y, class_names)`: pictures as uint8 (N, C, H, W),
other inputs float32; class indices int64 or regression targets float32 (N, 1). The generated
sets call the very functions the workbench draws them with (their source is copied), from a
generator seeded alike, so the same seed gives the same numbers.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..i18n import _
from ..spec import DatasetBase
from ..spec.datasets import dataset_label
from ..spec.peek import IDX_TYPES, resolve_path
from .download import SOURCES
from .paths import datasets_dir

SYNTHETIC, SEQUENCES = "workbench.engine.data.synthetic", "workbench.engine.data.sequences"


@dataclass(frozen=True)
class DataCode:
    """The source of `load_data` and what it needs: the modules to import and helper functions."""

    code: str
    imports: tuple[str, ...] = ()
    helpers: tuple[str, ...] = field(default=())


@cache
def _module(module: str) -> tuple[str, ast.Module]:
    found = importlib.util.find_spec(module)
    source = Path(found.origin) if found is not None and found.origin else None
    if source is None or source.suffix != ".py":  # an install without the sources cannot copy them
        raise OSError(_("the source of {module} is not installed: reinstall Workbench").format(module=module))
    text = source.read_text(encoding="utf-8")
    return text, ast.parse(text)


def _definition(module: str, name: str) -> tuple[str, ast.stmt]:
    text, tree = _module(module)
    for node in tree.body:
        named = isinstance(node, ast.FunctionDef) and node.name == name
        if named or isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets):
            return text, node
    raise LookupError(f"{module}.{name}")


def copied(module: str, name: str) -> str:
    """The source of a workbench function or constant, to run the same code in the script: read
    from its module's file, not imported (a window writing a script need not load torch)."""
    text, node = _definition(module, name)
    return ast.get_source_segment(text, node) or ""


def literal(module: str, name: str) -> Any:
    """The value of a workbench constant written as a literal, read from its module's file."""
    _text, node = _definition(module, name)
    assert isinstance(node, ast.Assign)
    return ast.literal_eval(node.value)


def _function(doc: str, body: str) -> str:
    """`load_data` with its docstring and body (lines of source, 4 spaces in)."""
    lines = [
        "def load_data() -> tuple[torch.Tensor, torch.Tensor, list[str]]:",
        f'    """{doc}"""',
        *("    " + line if line else "" for line in body.strip("\n").splitlines()),
    ]
    return "\n".join(lines)


def _classes(count: int) -> str:
    return repr([f"class {k}" for k in range(count)])


def _points(spec: Any, seed: int, base: Path | None) -> DataCode:
    """The generated 2-D sets: Workbench's own generators, or scikit-learn's for moons and circles."""
    doc = _("{count} generated points: {kind}, the same for the same seed.").format(
        count=spec.n_samples, kind=_(dataset_label(spec.kind))
    )
    if spec.kind in ("moons", "circles"):
        factor = ", factor=0.5" if spec.kind == "circles" else ""
        call = f"make_{spec.kind}({spec.n_samples}, noise={spec.noise!r}{factor}, random_state=SEED)"
        body = f"from sklearn.datasets import make_{spec.kind}\n\nx, y = {call}\n"
        helpers: tuple[str, ...] = ()
    else:
        function = f"{spec.kind}_points"
        classes = f", {spec.n_classes}" if spec.kind != "xor" else ""
        body = f"x, y = {function}({spec.n_samples}{classes}, {spec.noise!r}, np.random.default_rng(SEED))\n"
        helpers = (copied(SYNTHETIC, function),)
    body += "x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)\n"
    body += f"return x, y, {_classes(spec.num_classes())}"
    return DataCode(_function(doc, body), ("numpy",), helpers)


def _sine(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _("{count} windows of {window} steps of a generated series, each with the value to forecast.").format(
        count=spec.n_samples, window=spec.window
    )
    call = f"sine_windows({spec.n_samples}, {spec.window}, {spec.horizon}, {spec.noise!r}, np.random.default_rng(SEED))"
    body = f"x, y = {call}\nreturn torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32), []"
    constants = copied(SEQUENCES, "SINE_PERIODS") + "\n" + copied(SEQUENCES, "TREND")
    helpers = (constants, copied(SEQUENCES, "sine_series"), copied(SEQUENCES, "sine_windows"))
    return DataCode(_function(doc, body), ("numpy",), helpers)


def _adding(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _("{count} generated sequences of {length} steps: the adding problem.").format(
        count=spec.n_samples, length=spec.length
    )
    call = f"adding_problem({spec.n_samples}, {spec.length}, np.random.default_rng(SEED))"
    body = f"x, y = {call}\nreturn torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32), []"
    return DataCode(_function(doc, body), ("numpy",), (copied(SEQUENCES, "adding_problem"),))


def _digits(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _("scikit-learn's 1,797 handwritten 8x8 digits, as 8-bit greyscale pictures (0 to 255).")
    body = """
from sklearn.datasets import load_digits

digits = load_digits()
pictures = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)  # its files count ink from 0 to 16
x = torch.from_numpy(pictures).unsqueeze(1)  # (N, 1, 8, 8): one channel
return x, torch.as_tensor(digits.target, dtype=torch.int64), [str(d) for d in range(10)]
"""
    return DataCode(_function(doc, body), ("numpy",))


TORCHVISION = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def _torchvision(spec: Any, seed: int, base: Path | None) -> DataCode:
    root = resolve_path(spec.root, base) if spec.root else datasets_dir()
    doc = _("{kind}: the official training and test files pooled, then split below as in Workbench.").format(
        kind=_(dataset_label(spec.kind))
    )
    where = _("the folder that holds {folder}: change it to where your copy is").format(
        folder=SOURCES[spec.kind].folder
    )
    pictures = (
        "torch.from_numpy(part.data).permute(0, 3, 1, 2)"  # CIFAR-10 keeps (N, H, W, C) numpy arrays
        if spec.kind == "cifar10"
        else "part.data.unsqueeze(1)"
    )
    labels = "torch.as_tensor(part.targets, dtype=torch.int64)"
    names = "[str(d) for d in range(10)]" if spec.kind == "mnist" else "list(parts[0].classes)"
    body = f"""
from torchvision import datasets

# {where}
root = {str(root)!r}
parts = [datasets.{TORCHVISION[spec.kind]}(root, train=train, download={spec.download!r}) for train in (True, False)]
x = torch.cat([{pictures} for part in parts])
y = torch.cat([{labels} for part in parts])
return x.contiguous(), y, {names}
"""
    return DataCode(_function(doc, body))


READ_IDX = f'''def read_idx(path: str) -> np.ndarray:
    """An IDX file (the format of MNIST), gzipped or not, as a numpy array."""
    with open(path, "rb") as f:
        packed = f.read(2) == b"\\x1f\\x8b"
    with (gzip.open(path, "rb") if packed else open(path, "rb")) as f:
        data = f.read()
    kind, dims = {IDX_TYPES!r}[data[2]], data[3]
    shape = struct.unpack(f">{{dims}}I", data[4 : 4 + 4 * dims])
    return np.frombuffer(data, kind, math.prod(shape), 4 + 4 * dims).reshape(shape)'''

LABEL_ORDER = '''def label_order(label: str) -> tuple[int, float, str]:
    """Classes in order: numbers by value first, then names alphabetically."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)'''


def _idx(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _("Pictures and their labels from a pair of IDX files.")
    body = f"""
images = read_idx({str(resolve_path(spec.images, base))!r})
labels = read_idx({str(resolve_path(spec.labels, base))!r}).astype(np.int64)
classes, y = np.unique(labels, return_inverse=True)  # the labels found, in order, as classes 0, 1, ...
x = torch.from_numpy(images.copy()).unsqueeze(1)  # (N, 1, rows, columns)
return x, torch.from_numpy(y.astype(np.int64)), [str(c) for c in classes]
"""
    return DataCode(_function(doc, body), ("gzip", "math", "struct", "numpy"), (READ_IDX,))


def _csv(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _("A table of numbers: the column {column} is the target, the other columns the inputs.").format(
        column=repr(spec.target)
    )
    head = f"""
with open({str(resolve_path(spec.path, base))!r}, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.reader(f))
header = [name.strip() for name in rows[0]]
t = header.index({spec.target!r})
body = [row for row in rows[1:] if row]
x = torch.tensor([[float(v) for i, v in enumerate(row) if i != t] for row in body], dtype=torch.float32)
"""
    if spec.task == "classification":
        tail = """labels = [row[t].strip() for row in body]
classes = sorted(set(labels), key=label_order)
y = torch.tensor([classes.index(label) for label in labels], dtype=torch.int64)
return x, y, classes
"""
        return DataCode(_function(doc, head + tail), ("csv",), (LABEL_ORDER,))
    tail = "y = torch.tensor([float(row[t]) for row in body], dtype=torch.float32).unsqueeze(1)\nreturn x, y, []\n"
    return DataCode(_function(doc, head + tail), ("csv",))


def _csv_series(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _(
        "Windows of {window} rows of a table in time order; each one's target is {column}, {horizon} rows on."
    ).format(window=spec.window, column=repr(spec.target), horizon=spec.horizon)
    body = f"""
with open({str(resolve_path(spec.path, base))!r}, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.reader(f))
header = [name.strip() for name in rows[0]]
used = [header.index(name) for name in {list(spec.inputs)!r} or header]
target = header.index({spec.target!r})
table = [[float(row[i]) for i in (*used, target)] for row in rows[1:] if row]
values = torch.tensor(table, dtype=torch.float64)
starts = torch.arange(len(table) - {spec.window} - {spec.horizon} + 1)
x = values[starts[:, None] + torch.arange({spec.window})[None, :], : len(used)]
y = values[starts + {spec.window} + {spec.horizon} - 1, len(used)]
return x.float(), y.float().unsqueeze(1), []
"""
    return DataCode(_function(doc, body), ("csv",))


def _image_folder(spec: Any, seed: int, base: Path | None) -> DataCode:
    doc = _("Pictures in one sub-folder per class, resized to {size}x{size}.").format(size=spec.image_size)
    mode = "L" if spec.channels == 1 else "RGB"
    extensions = literal("workbench.engine.data.files", "IMAGE_EXTENSIONS")
    body = f"""
from PIL import Image

root = Path({str(resolve_path(spec.path, base))!r})
folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
pictures, labels = [], []
for k, folder in enumerate(folders):
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in {extensions!r} and p.is_file()):
        with Image.open(path) as image:
            picture = image.convert({mode!r}).resize(({spec.image_size}, {spec.image_size}), Image.Resampling.BILINEAR)
        array = np.asarray(picture, dtype=np.uint8)
        pictures.append(array[None] if array.ndim == 2 else array.transpose(2, 0, 1))  # (C, H, W)
        labels.append(k)
x = torch.from_numpy(np.stack(pictures))
return x, torch.tensor(labels, dtype=torch.int64), [folder.name for folder in folders]
"""
    return DataCode(_function(doc, body), ("numpy", "pathlib"))


KINDS: dict[str, Callable[[Any, int, Path | None], DataCode]] = {
    **dict.fromkeys(("spiral", "moons", "circles", "xor", "gaussian"), _points),
    "sine": _sine,
    "adding": _adding,
    "digits": _digits,
    **dict.fromkeys(TORCHVISION, _torchvision),
    "idx": _idx,
    "csv": _csv,
    "csv_series": _csv_series,
    "image_folder": _image_folder,
}


def data_code(spec: DatasetBase, seed: int, base_dir: Path | None) -> DataCode:
    """`load_data` for the experiment's dataset, and `as_rows` for pictures read row by row."""
    made = KINDS[spec.kind](spec, seed, base_dir)
    if not spec.reads_rows:
        return made
    rows = """

def as_rows(x: torch.Tensor) -> torch.Tensor:
    \"\"\"(N, C, H, W) pictures as (N, H, W x C) sequences: one step a row, each pixel's channels in turn.\"\"\"
    n, channels, height, width = x.shape
    return x.permute(0, 2, 3, 1).reshape(n, height, width * channels).contiguous()"""
    return DataCode(made.code + rows, made.imports, made.helpers)
