"""The pipeline side of tfxflow.

`spec` says what a pipeline file may contain, `load` reads one, `build` turns it into a TFX
pipeline, `run` executes it locally, `summary` reads the outcome back from MLMD, `predict` uses a
pushed model, and `cli` is the `tfxflow` command.
"""
