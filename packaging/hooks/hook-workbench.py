# PyInstaller hook: an exported training script copies some of the engine's own functions from
# their source files (engine.script_data.copied), so the bundle keeps the engine's .py files beside
# the compiled modules.
module_collection_mode = {"workbench.engine": "pyz+py"}
