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


def models(tmp_path, n):
    """`n` distinct model directories."""
    paths = []
    for i in range(n):
        path = tmp_path / f"model{i}"
        path.mkdir()
        (path / "saved_model.pb").write_bytes(b"graph %d" % i)
        paths.append(str(path))
    return paths


def test_pushes_in_the_same_second_get_distinct_increasing_versions(tmp_path):
    versions = [os.path.basename(publish(path, str(tmp_path / "serving"))) for path in models(tmp_path, 3)]
    assert len(set(versions)) == 3 and versions == sorted(versions, key=int)


def test_a_model_already_published_is_not_pushed_again(model, tmp_path):
    """A rerun after a crash between the rename and MLMD's record finds the version instead of adding one."""
    serving = tmp_path / "serving"
    first = publish(str(model), str(serving))
    assert publish(str(model), str(serving)) == first
    assert [p.name for p in serving.iterdir()] == [os.path.basename(first)]


def test_keep_retains_the_newest_versions_and_never_the_one_being_served(tmp_path):
    serving = tmp_path / "serving"
    pushed = [os.path.basename(publish(path, str(serving), keep=2)) for path in models(tmp_path, 5)]
    assert sorted((p.name for p in serving.iterdir()), key=int) == pushed[-2:]


def test_staging_left_by_a_crash_is_removed_by_the_next_push(model, tmp_path):
    serving = tmp_path / "serving"
    (serving / ".123.partial-deadbeef" / "variables").mkdir(parents=True)
    pushed = publish(str(model), str(serving))
    assert [p.name for p in serving.iterdir()] == [os.path.basename(pushed)]


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


def test_a_recent_staging_copy_of_a_push_in_progress_is_left_alone(model, tmp_path):
    import time

    serving = tmp_path / "serving"
    in_progress = serving / f".{int(time.time())}.partial-cafe0123"
    in_progress.mkdir(parents=True)
    publish(str(model), str(serving))
    assert in_progress.is_dir()
