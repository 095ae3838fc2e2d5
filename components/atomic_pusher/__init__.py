"""AtomicPusher: TFX's Pusher publishing a model version all at once, with its provenance beside it."""
