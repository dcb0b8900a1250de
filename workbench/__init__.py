"""Workbench: build neural networks in forms, train them on CPU or GPU, watch them learn live."""

__version__ = "0.1.0"
# The name on the Python package index (`pip install neural-workbench`): "workbench" there is an
# unrelated project. The import package and the command are both `workbench`.
DISTRIBUTION = "neural-workbench"
# The application's id on the desktop: its desktop entry, icon and AppStream metainfo are named so.
APP_ID = "org.neuralworkbench.Workbench"
