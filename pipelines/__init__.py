"""tfxflow: declarative YAML pipelines compiled to TFX.

`spec` says what a pipeline file may contain, `load` reads one, `build` turns it into a TFX
pipeline, `run` executes it locally, `summary` reads the outcome back from MLMD, `predict` uses a
pushed model, and `cli` is the `tfxflow` command.
"""
import os

# Keras 2 (tf-keras) is what TFX 1.16, TFT and TFMA build on; this must precede any TF import.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
