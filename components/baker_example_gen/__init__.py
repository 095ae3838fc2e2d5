"""BakerExampleGen: labelled uniform-noise and baker-map sequences as a standard Examples artifact."""
