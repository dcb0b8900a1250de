# PyInstaller hook: onnxscript compiles its @script functions (the torch ops ONNX export uses) from
# their source code, so the bundle keeps the .py files beside the compiled modules.
module_collection_mode = "pyz+py"
