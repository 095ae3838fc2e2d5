"""An executor for TFX's Pusher that publishes a model version all at once or not at all."""
