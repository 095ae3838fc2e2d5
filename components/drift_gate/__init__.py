"""DriftGate: this run's training data against the served model's (component.py, executor.py, drift.py).

`DRIFT_KEY` names its output and the output's custom property holding the verdict, which the summary
and `tfxflow runs` read back from MLMD without importing TFX.
"""
DRIFT_KEY = "drift"
