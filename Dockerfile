# The image Kubeflow Pipelines runs every tfxflow task in: TFX 1.16.0 plus this project.
#
#   docker build -t REGISTRY/tfxflow:TAG . && docker push REGISTRY/tfxflow:TAG
#   then set kubeflow.image: REGISTRY/tfxflow:TAG in the pipeline file.
#
# The project lives in the working directory /tfxflow, where compiled pipelines refer to its
# files (the curated schemas as schemas/<kind>/schema.pbtxt); see pipelines/kubeflow.py.
FROM gcr.io/tfx-oss-public/tfx:1.16.0

WORKDIR /tfxflow
COPY requirements.lock setup.py README.md __init__.py ./
COPY pipelines/ pipelines/
COPY components/ components/
COPY schemas/ schemas/
# Your own packages named in pipeline files (trainer.model, components, ingest.kind) go here too,
# e.g. COPY my_models/ my_models/ : tasks import them from this working directory.

# Keras 2 (tf-keras), which TFX 1.16, TFT and TFMA build on, for every process of the image: a task imports
# tfxflow, which sets it, but a Beam SDK worker run from this image does not (docs/beam-runners.md).
ENV TF_USE_LEGACY_KERAS=1

# The same Python and the same pinned versions as the tested local setup (requirements.lock).
RUN python -c "import sys; assert sys.version_info[:2] == (3, 10), sys.version" \
 && python -m pip install --no-cache-dir -c requirements.lock .
# Compiled tasks set their own command (python -m tfxflow.pipelines.kfp_entrypoint, which runs TFX's
# kubeflow_v2_run_executor); the base image's entrypoint is kept so Beam runners can use this image
# as their SDK worker container too.
