"""Mutation testing of the spec and engine floors (`make mutate`), with mutmut.

    python -m tests.mutation --since main~5        # the files changed since that commit
    python -m tests.mutation workbench/engine/early_stopping.py

Each mutant is a small change to the code: a comparison flipped, a constant off by one, a call
dropped, a default changed. mutmut runs the tests against every mutant and says:

- killed: a test failed, as it should;
- timeout: the tests hung (an endless loop); counted as caught;
- survived: every test passed with the change. Either a test is missing, or the change makes
  no difference to what the code does (an "equivalent" mutant, such as a log message's wording).
  Each survivor is printed as a diff; kill it with a test, or accept it and say why in the
  README's development section.

To fit a 2-core machine, each file is tried only against the tests aimed at it (TARGETS, or
tests/<floor>/test_<name>.py), in a scratch copy of the project, one file after another.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ("workbench/spec/", "workbench/engine/", "workbench/atomic.py")
SKIPPED = ("__init__.py",)

# The loop and what it was split into (setup, outcome sentences) are tested from several sides.
LOOP_TESTS = [
    "tests/engine/test_epochs.py",
    "tests/engine/test_progress.py",
    "tests/engine/test_trainer.py",
    "tests/engine/test_early_stopping.py",
    "tests/engine/test_callback_state.py",
    "tests/engine/test_continue.py",
    "tests/engine/test_resume.py",
    "tests/engine/test_checkpoint.py",
    "tests/engine/test_lessons.py",
    "tests/engine/test_bad_data.py",
]
# The tests that exercise a file, where its name does not say.
TARGETS: dict[str, list[str]] = {
    "workbench/atomic.py": ["tests/cli/test_faults.py", "tests/spec/test_experiment.py"],
    "workbench/engine/trainer.py": LOOP_TESTS,
    "workbench/engine/run_setup.py": [*LOOP_TESTS, "tests/cli/test_too_big.py"],
    "workbench/engine/outcome.py": LOOP_TESTS,
    "workbench/engine/throttle.py": ["tests/engine/test_progress.py", "tests/engine/test_epochs.py"],
    "workbench/engine/callbacks.py": [
        "tests/engine/test_early_stopping.py",
        "tests/engine/test_epochs.py",
        "tests/engine/test_continue.py",
        "tests/engine/test_callback_state.py",
        "tests/engine/test_trainer.py",
    ],
    "workbench/engine/early_stopping.py": ["tests/engine/test_early_stopping.py"],
    "workbench/engine/model_file.py": [
        "tests/engine/test_model_file.py",
        "tests/engine/test_export.py",
        "tests/cli/test_bad_files.py",
        "tests/cli/test_faults.py",
        "tests/cli/test_too_big.py",
    ],
    "workbench/engine/checkpoint.py": [
        "tests/engine/test_checkpoint.py",
        "tests/engine/test_resume.py",
        "tests/engine/test_continue.py",
        "tests/engine/test_callback_state.py",
    ],
    "workbench/engine/exporters.py": ["tests/engine/test_exporters.py", "tests/engine/test_export.py"],
    "workbench/engine/prepare.py": [
        "tests/engine/test_prepare.py",
        "tests/engine/test_data.py",
        "tests/engine/test_bad_data.py",
    ],
    "workbench/engine/optim.py": ["tests/engine/test_optim.py", "tests/engine/test_trainer.py"],
    "workbench/engine/history.py": ["tests/engine/test_history.py", "tests/engine/test_resume.py"],
    "workbench/engine/memory.py": ["tests/cli/test_too_big.py"],
    "workbench/engine/evaluate.py": ["tests/engine/test_trainer.py", "tests/engine/test_mistakes.py"],
    "workbench/engine/data/files.py": ["tests/engine/test_data.py", "tests/engine/test_bad_data.py"],
    "workbench/engine/data/vision.py": ["tests/engine/test_downloads.py", "tests/engine/test_bad_data.py"],
    "workbench/spec/memory.py": ["tests/spec/test_memory.py", "tests/cli/test_too_big.py"],
    "workbench/spec/experiment.py": [
        "tests/spec/test_experiment.py",
        "tests/spec/test_messages.py",
        "tests/spec/test_advice.py",
        "tests/spec/test_memory.py",
        "tests/spec/test_fuzz.py",
    ],
    "workbench/spec/training.py": [
        "tests/engine/test_optim.py",
        "tests/spec/test_memory.py",
        "tests/spec/test_experiment.py",
        "tests/spec/test_messages.py",
    ],
    "workbench/spec/network.py": ["tests/spec/test_layers_vs_torch.py", "tests/spec/test_experiment.py"],
    "workbench/spec/peek.py": ["tests/spec/test_experiment.py", "tests/engine/test_data.py"],
}
RESULT = re.compile(r"^\s*(\S+): (\w[\w ]*)$")


def changed_since(ref: str) -> list[str]:
    """The Python files of the spec and engine floors that differ from `ref` (committed or not)."""
    out = subprocess.run(
        ["git", "diff", "--name-only", ref, "--", *FLOORS], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return sorted(p for p in out.split() if p.endswith(".py") and (ROOT / p).is_file() and not p.endswith(SKIPPED))


def tests_for(path: str) -> list[str]:
    """The tests aimed at `path`: TARGETS, else tests/<floor>/test_<name>.py, else the floor's tests."""
    if path in TARGETS:
        return TARGETS[path]
    floor = "spec" if path.startswith("workbench/spec/") else "engine"
    named = f"tests/{floor}/test_{Path(path).stem}.py"
    return [named] if (ROOT / named).is_file() else [f"tests/{floor}"]


def _config(path: str) -> str:
    tests = ", ".join(f'"{t}"' for t in tests_for(path))
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["workbench/"]\n'
        f'only_mutate = ["{path}"]\n'
        f"pytest_add_cli_args_test_selection = [{tests}]\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        'also_copy = ["resources/"]\n'
        "timeout_multiplier = 4.0\n"
    )


def _workspace(path: str) -> Path:
    """A scratch copy of the project whose pyproject aims mutmut at `path` and its tests."""
    work = Path(tempfile.gettempdir()) / "workbench-mutate" / path.replace("/", "_")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in ("workbench", "tests", "resources"):
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r"\n\[tool\.mutmut\][^\[]*", "\n", pyproject)  # ours replaces any there
    (work / "pyproject.toml").write_text(pyproject + _config(path), encoding="utf-8")
    return work


def mutate(path: str) -> list[str]:
    """Run mutmut on one file; print its counts and every survivor's diff; return the survivors."""
    work = _workspace(path)
    print(f"\n== {path}  (tests: {' '.join(tests_for(path))})", flush=True)
    # One thread per test process: mutmut forks them, and a fork of a process whose OpenMP pool is
    # running can hang (every mutant would then look like a timeout). Two run side by side instead.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-m", "mutmut", "run"], cwd=work, env=env, stdout=subprocess.DEVNULL, check=False)
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=work, capture_output=True, text=True
    ).stdout
    counts: dict[str, int] = {}
    survivors = []
    for line in listing.splitlines():
        match = RESULT.match(line)
        if match:
            counts[match.group(2)] = counts.get(match.group(2), 0) + 1
            if match.group(2) in ("survived", "no tests"):
                survivors.append(match.group(1))
    print("   " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())), flush=True)
    if not counts or counts.get("not checked"):
        # mutmut refuses to start when the tests never call the file's functions: a wrong target, not a pass
        print(f"   mutmut did not run: do the tests aimed at {path} call it? (see TARGETS)", flush=True)
        return [f"{path}: not checked"]
    for name in survivors:
        diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work, capture_output=True, text=True)
        print(diff.stdout.rstrip(), flush=True)
    return survivors


def main(argv: list[str] | None = None) -> int:
    """Mutate the files given, or those changed since --since; exit 1 when a mutant survived."""
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="files to mutate (default: those changed since --since)")
    parser.add_argument("--since", default="HEAD", help="a commit: mutate the files changed since it")
    args = parser.parse_args(argv)
    files = args.files or changed_since(args.since)
    if not files:
        print(f"No spec or engine file changed since {args.since}.")
        return 0
    survived = {path: mutate(path) for path in files}
    total = sum(len(s) for s in survived.values())
    print(f"\n{total} surviving mutant{'s' * (total != 1)} in {len(files)} file{'s' * (len(files) != 1)}.")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
