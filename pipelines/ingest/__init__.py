"""The built-in ingest kinds: each an IngestSettings subclass (pipelines/spec.py), registered in
setup.py's `tfxflow.ingest` entry points exactly as a user's package can register its own.

    baker     generated sequences (BakerExampleGen), a binary classification
    sine      generated points of sin(x) (SineExampleGen), a regression
    mnist     an MNIST .npz (NpzExampleGen)
    npz       any numeric arrays of an .npz (NpzExampleGen)
    csv       CSV files (TFX's CsvExampleGen executor)
    tfrecord  TFRecord files of tf.Examples (TFX's ImportExampleGen executor)
"""
