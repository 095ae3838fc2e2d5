"""How a run's summary reads (pipelines/summary.py): what was pushed by this run, and what is served."""
from tfxflow.pipelines.summary import ComponentReport, RunSummary


def summary(pusher_state, pushed, served, serves_this_run):
    return RunSummary(pipeline="mnist", run_id="r", status="succeeded", blessed=True,
                      components=[ComponentReport("Trainer", pusher_state, 1.0),
                                  ComponentReport("Pusher", pusher_state, 0.1)],
                      pushed_model=pushed, served_model=served, serves_this_run=serves_this_run)


def test_a_push_by_this_run_names_the_version_and_that_it_is_served():
    lines = summary("ran", "/s/2", "/s/2", True).to_text().splitlines()
    assert "  pushed: /s/2" in lines and "  served: /s/2 (this run's model)" in lines


def test_a_cached_push_does_not_read_as_a_new_one():
    lines = summary("cached", "/s/1", "/s/1", True).to_text().splitlines()
    assert "  pushed: nothing new (an earlier run pushed this model as /s/1)" in lines


def test_a_model_that_is_not_served_says_so():
    lines = summary("ran", None, "/s/3", False).to_text().splitlines()
    assert "  pushed: nothing" in lines and "  served: /s/3 (not this run's model)" in lines


def test_the_report_and_a_tensorboard_command_that_works_from_the_venv_are_printed():
    import sys
    from pathlib import Path

    run = summary("ran", "/s/2", "/s/2", True)
    run.report, run.tensorboard = "/r/reports/r.html", "/r/Trainer/model_run/7"
    lines = run.to_text().splitlines()
    assert "  report: /r/reports/r.html" in lines
    assert f"  {Path(sys.executable).with_name('tensorboard')} --logdir /r/Trainer/model_run/7" in lines
