"""publish(): a version directory appears complete or not at all (components/atomic_pusher)."""
import os

import pytest

from components.atomic_pusher.executor import publish


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model"
    (path / "variables").mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"graph")
    (path / "variables" / "variables.index").write_bytes(b"index")
    return path


def test_publishes_a_complete_numbered_version(model, tmp_path):
    serving = tmp_path / "serving"
    pushed = publish(str(model), str(serving))
    assert os.path.dirname(pushed) == str(serving) and os.path.basename(pushed).isdigit()
    assert sorted(p.name for p in serving.iterdir()) == [os.path.basename(pushed)]
    assert (serving / os.path.basename(pushed) / "variables" / "variables.index").read_bytes() == b"index"


def test_pushes_in_the_same_second_get_distinct_versions(model, tmp_path):
    versions = [os.path.basename(publish(str(model), str(tmp_path / "serving"))) for _ in range(3)]
    assert len(set(versions)) == 3 and versions == sorted(versions, key=int)


def test_interrupted_copy_leaves_only_a_hidden_staging_directory(model, tmp_path, monkeypatch):
    from components.atomic_pusher import executor

    def crash(source, destination):
        os.makedirs(os.path.join(destination, "variables"))
        raise OSError("disk full")

    monkeypatch.setattr(executor.io_utils, "copy_dir", crash)
    serving = tmp_path / "serving"
    with pytest.raises(OSError):
        publish(str(model), str(serving))
    assert all(p.name.startswith(".") for p in serving.iterdir())
