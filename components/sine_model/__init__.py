"""Model code of the sine pipeline: `preprocessing.preprocessing_fn` (Transform), `model.run_fn` (Trainer)."""
