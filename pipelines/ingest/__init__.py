"""The built-in ingest kinds: each an IngestSettings subclass (pipelines/spec.py), registered in
setup.py's `tfxflow.ingest` entry points exactly as a user's package can register its own.

    baker  generated sequences (BakerExampleGen)
    mnist  an MNIST .npz (NpzExampleGen)
"""
