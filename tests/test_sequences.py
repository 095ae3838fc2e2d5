"""The baker generator's properties (components/baker_example_gen/sequences.py)."""
import numpy as np
import pytest

from tfxflow.components.baker_example_gen.sequences import baker_orbits, generate, map_residual


def test_baker_sequences_follow_the_map_and_random_ones_do_not():
    x, labels = generate(2000, 100, np.random.default_rng(1))
    residual = map_residual(x)
    assert residual[labels == 1].max() < 1e-6
    assert residual[labels == 0].min() > 1e-2


def test_values_lie_in_unit_interval():
    x, _ = generate(500, 100, np.random.default_rng(2))
    assert x.dtype == np.float32 and x.shape == (500, 100)
    assert x.min() >= 0.0 and x.max() < 1.0


def test_orbits_never_collapse_to_zero():
    # Iterating 3x mod 1 in float64 reaches 0 within ~50 steps; the generator must not.
    orbits = baker_orbits(np.random.default_rng(3).integers(0, 2**53, size=200, dtype=np.uint64), 1000)
    assert (orbits[:, -100:].std(axis=1) > 0.1).all()


@pytest.mark.parametrize("n", [2, 101, 1000])
def test_labels_are_half_and_half(n):
    _, labels = generate(n, 10, np.random.default_rng(4))
    assert set(np.unique(labels)) <= {0, 1}
    assert abs(int(labels.sum()) - n / 2) <= 0.5


def test_same_seed_same_data_other_seed_other_data():
    a = generate(300, 50, np.random.default_rng(5))
    b = generate(300, 50, np.random.default_rng(5))
    c = generate(300, 50, np.random.default_rng(6))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_labels_are_shuffled_not_alternating():
    _, labels = generate(1000, 10, np.random.default_rng(7))
    assert not np.array_equal(labels, np.arange(1000) % 2)
