"""tfxflow: declarative YAML pipelines on TFX, run locally on Beam or compiled for Kubeflow.

    from tfxflow.pipelines.load import load_spec
    from tfxflow.pipelines.build import local_pipeline

One import root over the project's folders: `tfxflow.pipelines` (the spec, the builder, the runners
and the `tfxflow` command), `tfxflow.components` (the TFX components and model code) and
`tfxflow.schemas` (the curated TFDV schemas), so a user project's own `components/` or `pipelines/`
never shadows them. Importing it sets nothing but what TensorFlow needs.
"""
import os

# Keras 2 (tf-keras) is what TFX 1.16, TFT and TFMA build on; this must precede any TF import.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
