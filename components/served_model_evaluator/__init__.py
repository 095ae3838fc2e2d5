"""ServedModelEvaluator: TFX's Evaluator with the served model as the baseline."""
