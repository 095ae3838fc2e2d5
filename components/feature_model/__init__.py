"""Model code for data whose features come from the schema (csv, tfrecord, npz): `features` (the plan),
`preprocessing.preprocessing_fn` (Transform), `model.run_fn` and the built-in model functions (Trainer)."""
