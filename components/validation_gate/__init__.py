"""ValidationGate: TFX's ExampleValidator that also stops the pipeline on error-level anomalies."""
