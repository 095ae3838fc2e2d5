"""StatisticsGen splits a wide schema's features among TFDV's combiners (pipelines/build.py): one combiner over
1,000 numeric features peaked at 2.8 GB; a narrow schema keeps TFDV's defaults."""
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tfxflow.pipelines.build import statistics_options


@pytest.mark.parametrize(("features", "partitions"), [(4, None), (500, None), (501, 2), (1001, 3)])
def test_statisticsgen_splits_a_wide_schemas_features_among_tfdvs_combiners(features, partitions):
    text = "".join(f'feature {{ name: "f{i}" type: FLOAT }}' for i in range(features))
    wide = text_format.Parse(text, schema_pb2.Schema())
    options = statistics_options(wide)
    assert (options and options.experimental_num_feature_partitions) == partitions
