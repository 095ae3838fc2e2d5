"""tfxflow: declarative YAML pipelines on TFX. Install with `make run` / `make test` (see README)."""
from setuptools import find_packages, setup

_PACKAGES = find_packages(include=["pipelines", "pipelines.*", "components", "components.*", "schemas"])

setup(
    name="tfxflow",
    version="0.1.0",
    description="Declarative YAML pipelines on TFX, run locally on Beam or compiled for Kubeflow.",
    python_requires=">=3.10,<3.11",
    # One import root: the project's folders install as tfxflow.pipelines, tfxflow.components and
    # tfxflow.schemas, never as top-level names a user's own project could shadow or be shadowed by.
    package_dir={"tfxflow": "."},
    packages=["tfxflow", *(f"tfxflow.{name}" for name in _PACKAGES)],
    package_data={"tfxflow.pipelines": ["*.yaml"], "tfxflow.schemas": ["*/*.pbtxt"]},
    install_requires=[
        "tfx==1.16.0",
        "apache-beam[gcp,aws]==2.59.0",
        "tensorflow-io==0.37.1",
        "tensorflow==2.16.2",
        "tf-keras~=2.16.0",
        "protobuf==3.20.3",
        "kfp-pipeline-spec==0.2.2",
        "kfp-server-api>=2.0,<2.1",
        "pydantic>=2.6,<3",
        "click>=8.1,<9",
        "rich>=13",
        "PyYAML>=6",
        "matplotlib>=3.8,<4",
        "pillow>=10",
    ],
    extras_require={"test": ["pytest>=8", "hypothesis>=6", "cryptography", "moto[s3]>=5,<6", "flask", "flask-cors"]},
    entry_points={
        "console_scripts": ["tfxflow=tfxflow.pipelines.cli:entry"],
        # The ingest kinds `ingest.kind` names (components/registry.py); a user's package may add its own.
        "tfxflow.ingest": [
            "baker=tfxflow.pipelines.ingest.baker:BakerIngest",
            "csv=tfxflow.pipelines.ingest.csv:CsvIngest",
            "mnist=tfxflow.pipelines.ingest.mnist:MnistIngest",
            "npz=tfxflow.pipelines.ingest.npz:NpzIngest",
            "sine=tfxflow.pipelines.ingest.sine:SineIngest",
            "tfrecord=tfxflow.pipelines.ingest.tfrecord:TFRecordIngest",
        ],
        # The model functions `trainer.model` names for those kinds (components/registry.py MODELS).
        "tfxflow.models": [
            "cnn=tfxflow.components.feature_model.model:cnn",
            "conv=tfxflow.components.feature_model.model:conv",
            "mlp=tfxflow.components.feature_model.model:mlp",
        ],
    },
)
