"""Baseline 2: TFX's idiomatic MNIST pipeline (ImportExampleGen on TFRecords, SchemaGen, module_file).

    python bench/tfx_idiomatic/pipeline.py TFRECORD_DIR ROOT
"""
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow_model_analysis as tfma  # noqa: E402
from tfx.components import (  # noqa: E402
    Evaluator,
    ExampleValidator,
    ImportExampleGen,
    Pusher,
    SchemaGen,
    StatisticsGen,
    Trainer,
    Transform,
)
from tfx.orchestration import metadata, pipeline  # noqa: E402
from tfx.orchestration.local.local_dag_runner import LocalDagRunner  # noqa: E402
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2  # noqa: E402

data, root = sys.argv[1], sys.argv[2]
module = os.path.join(os.path.dirname(os.path.abspath(__file__)), "module.py")
splits = [example_gen_pb2.Input.Split(name=name, pattern=f"{name}/*") for name in ("train", "eval")]
example_gen = ImportExampleGen(input_base=data, input_config=example_gen_pb2.Input(splits=splits))
statistics = StatisticsGen(examples=example_gen.outputs["examples"])
schema = SchemaGen(statistics=statistics.outputs["statistics"], infer_feature_shape=True)
validator = ExampleValidator(statistics=statistics.outputs["statistics"], schema=schema.outputs["schema"])
transform = Transform(examples=example_gen.outputs["examples"], schema=schema.outputs["schema"], module_file=module)
trainer = Trainer(
    module_file=module,
    examples=transform.outputs["transformed_examples"],
    transform_graph=transform.outputs["transform_graph"],
    schema=schema.outputs["schema"],
    train_args=trainer_pb2.TrainArgs(num_steps=5 * 60000 // 32),
    eval_args=trainer_pb2.EvalArgs(num_steps=10000 // 32),
)
eval_config = tfma.EvalConfig(
    model_specs=[tfma.ModelSpec(label_key="label")],
    slicing_specs=[tfma.SlicingSpec()],
    metrics_specs=[tfma.MetricsSpec(metrics=[tfma.MetricConfig(
        class_name="SparseCategoricalAccuracy",
        threshold=tfma.MetricThreshold(value_threshold=tfma.GenericValueThreshold(lower_bound={"value": 0.97})),
    )])],
)
evaluator = Evaluator(examples=example_gen.outputs["examples"], model=trainer.outputs["model"], eval_config=eval_config)
pusher = Pusher(
    model=trainer.outputs["model"],
    model_blessing=evaluator.outputs["blessing"],
    push_destination=pusher_pb2.PushDestination(
        filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=os.path.join(root, "serving"))
    ),
)
LocalDagRunner().run(pipeline.Pipeline(
    pipeline_name="mnist_idiomatic",
    pipeline_root=os.path.join(root, "pipeline"),
    metadata_connection_config=metadata.sqlite_metadata_connection_config(os.path.join(root, "metadata.sqlite")),
    components=[example_gen, statistics, schema, validator, transform, trainer, evaluator, pusher],
    enable_cache=True,
    beam_pipeline_args=["--direct_running_mode=in_memory", "--direct_num_workers=1"],
))
