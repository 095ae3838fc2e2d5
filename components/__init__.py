"""Custom TFX components and the model code that tfxflow pipelines run."""
