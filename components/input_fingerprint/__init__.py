"""InputFingerprint: what a run's results depend on, by content, and the served baselines it selects."""
