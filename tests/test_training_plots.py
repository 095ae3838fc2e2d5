"""The Trainer's learning curves (components/training_plots.py) draw whatever metrics the model compiled:
accuracy for classification, mean_absolute_error for regression."""
import pytest

from tfxflow.components.training_plots import plot_learning_curve


@pytest.mark.parametrize("metric", ["accuracy", "mean_absolute_error"])
def test_the_learning_curve_draws_loss_and_the_compiled_metric(tmp_path, metric, monkeypatch):
    import matplotlib.axes

    titles = []
    monkeypatch.setattr(matplotlib.axes.Axes, "set_title", lambda axis, title, *a, **k: titles.append(title))
    history = {"loss": [0.9, 0.5], metric: [0.3, 0.2], "val_loss": [1.0, 0.6], f"val_{metric}": [0.4, 0.3]}
    path = plot_learning_curve(history, str(tmp_path / "learning_curve.png"))
    assert titles == ["loss", metric]
    assert (tmp_path / "learning_curve.png").read_bytes().startswith(b"\x89PNG") and path.endswith(".png")
