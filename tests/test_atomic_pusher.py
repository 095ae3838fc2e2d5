"""publish(): a version directory appears complete or not at all, with its record, and the model a
run blessed ends up the newest version (components/atomic_pusher)."""
import json
import os

import pytest

from tfxflow.components.atomic_pusher.executor import PushError, publish
from tfxflow.components.atomic_pusher.versions import Record, newest_version, served_versions


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model"
    (path / "variables").mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"graph")
    (path / "variables" / "variables.index").write_bytes(b"index")
    return path


def record(model, data="d", lineage="l"):
    return Record(model=str(model), data=data, lineage=lineage)


def test_publishes_a_complete_numbered_version_with_its_record_and_statistics(model, tmp_path):
    serving = tmp_path / "serving"
    pushed = publish(str(model), str(serving), record(model), b"statistics")
    assert os.path.dirname(pushed) == str(serving) and os.path.basename(pushed).isdigit()
    assert sorted(p.name for p in serving.iterdir()) == [os.path.basename(pushed)]
    assert (serving / os.path.basename(pushed) / "variables" / "variables.index").read_bytes() == b"index"
    extra = serving / os.path.basename(pushed) / "assets.extra"
    assert json.loads((extra / "tfxflow.json").read_text()) == {"model": str(model), "data": "d", "lineage": "l"}
    assert (extra / "train_statistics.pb").read_bytes() == b"statistics"
    assert newest_version(str(serving)).record == record(model)


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
    serving = str(tmp_path / "serving")
    versions = [os.path.basename(publish(path, serving, record(path))) for path in models(tmp_path, 3)]
    assert len(set(versions)) == 3 and versions == sorted(versions, key=int)


def test_the_newest_version_is_not_pushed_again(model, tmp_path):
    """A rerun after a crash between the rename and MLMD's record finds the version instead of adding one."""
    serving = tmp_path / "serving"
    first = publish(str(model), str(serving), record(model))
    assert publish(str(model), str(serving), record(model)) == first
    assert [p.name for p in serving.iterdir()] == [os.path.basename(first)]


def test_a_model_served_earlier_but_not_newest_becomes_the_newest_again(tmp_path):
    """An older configuration rerun after a newer model was pushed: what it blessed is what is served."""
    serving = tmp_path / "serving"
    old, new = models(tmp_path, 2)
    first = publish(old, str(serving), record(old))
    second = publish(new, str(serving), record(new))
    third = publish(old, str(serving), record(old))
    assert int(os.path.basename(third)) > int(os.path.basename(second)) > int(os.path.basename(first))
    assert [v.record.model for v in served_versions(str(serving))] == [old, new, old]


def test_versions_without_a_record_are_versions_like_any_other(model, tmp_path):
    serving = tmp_path / "serving"
    (serving / "7").mkdir(parents=True)  # published by hand or by another tool
    (serving / "7" / "saved_model.pb").write_bytes(b"graph")
    (serving / "8").mkdir()  # no saved_model.pb: nothing can load it, so it is no version
    (serving / "not-a-version").mkdir()
    pushed = publish(str(model), str(serving), record(model))
    assert [(v.version, v.record is None) for v in served_versions(str(serving))] == [
        (os.path.basename(pushed), False), ("7", True)]


def test_keep_retains_the_newest_versions_and_never_the_one_being_served(tmp_path):
    serving = tmp_path / "serving"
    pushed = [os.path.basename(publish(path, str(serving), record(path), keep=2)) for path in models(tmp_path, 5)]
    assert sorted((p.name for p in serving.iterdir()), key=int) == pushed[-2:]


def test_staging_left_by_a_crash_is_removed_by_the_next_push(model, tmp_path):
    serving = tmp_path / "serving"
    (serving / ".123.partial-deadbeef" / "variables").mkdir(parents=True)
    pushed = publish(str(model), str(serving), record(model))
    assert [p.name for p in serving.iterdir()] == [os.path.basename(pushed)]


@pytest.mark.parametrize("failing", ["copy_dir", "write_extras", "rename"])
def test_a_failed_push_removes_its_own_staging_copy_at_once_and_retries_succeed(model, tmp_path, monkeypatch,
                                                                                failing):
    from tfxflow.components.atomic_pusher import executor

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    def copy_then_fail(source, destination):
        os.makedirs(os.path.join(destination, "variables"))
        disk_full()

    serving = tmp_path / "serving"
    served = publish(str(model), str(serving), record(model))  # an earlier version, which must stay
    target = {"copy_dir": (executor.io_utils, copy_then_fail), "write_extras": (executor, disk_full),
              "rename": (executor.fileio, disk_full)}[failing]
    for _ in range(3):  # each retry within the hour fails the same way and leaves nothing behind
        with monkeypatch.context() as patch:
            patch.setattr(target[0], failing, target[1])
            with pytest.raises(PushError, match="No space left.*the served version is still"):
                publish(str(model), str(serving), record("a newer model"))
        assert [p.name for p in serving.iterdir()] == [os.path.basename(served)]
    assert publish(str(model), str(serving), record("a newer model")) != served  # room again: the push goes through


def test_an_incomplete_version_a_crashed_push_left_is_removed_once_stale_and_others_are_left(model, tmp_path):
    """An object-store push writes its record before saved_model.pb: a version with the record and
    without saved_model.pb, numbered above the newest complete one, is a crashed push's."""
    import time

    from tfxflow.components.atomic_pusher.versions import write_extras

    serving = tmp_path / "serving"
    served = publish(str(model), str(serving), record(model))
    (serving / os.path.basename(served)).rename(serving / "100")  # the newest complete version, numbered low
    now = int(time.time())
    stale, recent, foreign = serving / str(now - 7200), serving / str(now + 5), serving / str(now + 1)
    for path in (stale, recent):
        write_extras(str(path), record("crashed"), None)  # a record, no saved_model.pb
    (foreign / "variables").mkdir(parents=True)  # no record: not tfxflow's, never removed
    publish(str(model), str(serving), record("next"))
    assert not stale.exists() and recent.is_dir() and foreign.is_dir()


def test_a_recent_staging_copy_of_a_push_in_progress_is_left_alone(model, tmp_path):
    import time

    serving = tmp_path / "serving"
    in_progress = serving / f".{int(time.time())}.partial-cafe0123"
    in_progress.mkdir(parents=True)
    publish(str(model), str(serving), record(model))
    assert in_progress.is_dir()


# On an object store: one process per push (tensorflow-io reads its endpoint once per process), writing
# through FlakyStore (tests/s3_server.py), which records the order of the objects written and can fail.
PUBLISH = """
import sys
from tfxflow.components import object_store
from tfxflow.components.atomic_pusher.executor import PushError, publish
from tfxflow.components.atomic_pusher.versions import Record
object_store.prepare(sys.argv[2])
try:
    print(publish(sys.argv[1], sys.argv[2], Record(model=sys.argv[3], data="d", lineage="l"), b"statistics"))
except Exception as error:
    print(f"{type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
    object_store.exit_process(1)
object_store.exit_process(0)
"""


def publish_through(store_endpoint, s3, model, serving, name):
    import subprocess
    import sys

    env = {**os.environ, **s3.env, "AWS_ENDPOINT_URL_S3": store_endpoint, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONWARNINGS": "ignore", "AWS_MAX_ATTEMPTS": "1"}
    return subprocess.run([sys.executable, "-c", PUBLISH, str(model), serving, name], capture_output=True,
                          text=True, env=env, timeout=300)


def test_on_an_object_store_saved_model_pb_is_the_last_object_of_a_version(model, s3):
    from s3_server import FlakyStore

    s3.create_bucket("ordered")
    with FlakyStore(s3.endpoint) as store:
        done = publish_through(store.endpoint, s3, model, "s3://ordered/serving", "m1")
    assert done.returncode == 0, done.stderr
    version = done.stdout.strip().rsplit("/", 1)[1]
    written = [key for key in store.written if key.startswith(f"ordered/serving/{version}/")]
    assert written[-1] == f"ordered/serving/{version}/saved_model.pb"
    assert set(written[-3:-1]) == {f"ordered/serving/{version}/assets.extra/{name}"
                                   for name in ("tfxflow.json", "train_statistics.pb")}
    assert sorted(written) == [f"ordered/{key}" for key in s3.keys("ordered", f"serving/{version}/")]
    assert newest_version("s3://ordered/serving").record == Record(model="m1", data="d", lineage="l")


@pytest.mark.parametrize("fail_after", [1, 3])  # within the model's files; after its record, before saved_model.pb
def test_a_store_failing_mid_push_leaves_the_served_version_and_no_loadable_half(model, s3, fail_after):
    from s3_server import FlakyStore

    bucket = f"failing-{fail_after}"
    s3.create_bucket(bucket)
    serving = f"s3://{bucket}/serving"
    with FlakyStore(s3.endpoint) as store:
        served = publish_through(store.endpoint, s3, model, serving, "served").stdout.strip()
        store.written.clear()
        store.fail_after = fail_after  # the store answers 503 from now on: the push and its clean-up fail
        failed = publish_through(store.endpoint, s3, model, serving, "newer")
    last = failed.stderr.splitlines()[-1]
    assert failed.returncode == 1 and last.startswith(f"PushError: pushing {serving}/"), failed.stderr
    assert last.endswith(f"the served version is still {served}")
    half = store.written[0].rsplit("/", 2)[0].split("/", 1)[1]  # serving/<version>: what the failed push began
    assert f"{half}/saved_model.pb" not in s3.keys(bucket) and s3.keys(bucket, half + "/")
    assert [v.path for v in served_versions(serving)] == [served]  # readers see only the complete one
    with FlakyStore(s3.endpoint) as recovered:
        again = publish_through(recovered.endpoint, s3, model, serving, "newer")
    assert again.returncode == 0, again.stderr
    assert [v.path for v in served_versions(serving)] == [again.stdout.strip(), served]
    assert int(again.stdout.strip().rsplit("/", 1)[1]) > int(half.rsplit("/", 1)[1])
