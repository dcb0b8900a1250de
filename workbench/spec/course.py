"""The course that comes with Workbench: exercises that follow the article, from normalizing the
data to a VAE whose codes carry information, in one bundle (`resources/exercises/course.json`)."""

from __future__ import annotations

from pathlib import Path

from .exercise import ExerciseBundle, load_bundle
from .presets import resources_dir


def course_path() -> Path:
    """The file of the built-in course (Exercises > Course in the window)."""
    return resources_dir() / "exercises" / "course.json"


def load_course() -> ExerciseBundle:
    """The built-in course: its title and its exercises, in the order a student meets them (the
    article's). SpecError names what is wrong and where, should the file have been spoiled."""
    return load_bundle(course_path())
