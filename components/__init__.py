"""Custom TFX components and the model code that tfxflow pipelines run."""
import os

# Keras 2 (tf-keras) is what TFX 1.16, TFT and TFMA build on; this must precede any TF import.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
