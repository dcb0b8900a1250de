"""The window's panels; each can be shown alone with `python -m workbench.gui.panels.<name>`."""
