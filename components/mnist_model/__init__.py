"""Model code of the MNIST pipeline: `preprocessing.preprocessing_fn` (Transform), `model.run_fn` (Trainer)."""
