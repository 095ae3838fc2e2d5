"""Model code of the baker pipeline: `preprocessing.preprocessing_fn` (Transform), `model.run_fn` (Trainer)."""
