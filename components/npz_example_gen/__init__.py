"""NpzExampleGen: MNIST-style images and labels from an `.npz` file as a standard Examples artifact."""
