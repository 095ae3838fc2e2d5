"""Reading pipeline files (pipelines/load.py): duplicate keys refused with both lines, and each error
blamed on the `--set` that set the value, or else on the file's line."""
import pytest
import yaml

from tfxflow.pipelines.load import UniqueKeyLoader, load_spec

from conftest import problems

MINIMAL = "name: baker\ningest:\n  kind: baker\n"


@pytest.mark.parametrize(
    "text, line, key, first",
    [
        (MINIMAL + "name: mnist\n", 4, "name", 1),
        (MINIMAL + "trainer:\n  epochs: 3\n  batch_size: 8\n  epochs: 5\n", 7, "epochs", 5),
        ("name: baker\ningest: {kind: baker, seed: 1, seed: 2}\n", 2, "seed", 2),
        (MINIMAL + "beam:\n  args: [a]\n  'args': [b]\n", 6, "args", 5),
    ],
)
def test_a_key_given_twice_is_refused_naming_both_lines(write_spec, text, line, key, first):
    path = write_spec(text)
    assert problems(path) == [f"{path}:{line}: not valid YAML: duplicate key {key!r} (first at line {first})"]


def test_a_key_given_twice_in_a_set_value_is_refused(write_spec):
    assert problems(write_spec(MINIMAL), ["trainer={epochs: 1, epochs: 2}"]) == [
        "--set trainer={epochs: 1, epochs: 2}: the value is not valid YAML (duplicate key 'epochs' (first at line 1))"
    ]


def test_merge_keys_may_repeat_what_they_merge():
    data = yaml.load("base: &b {epochs: 3, seed: 1}\ntrainer:\n  <<: *b\n  epochs: 5\n", Loader=UniqueKeyLoader)
    assert data["trainer"] == {"epochs": 5, "seed": 1}


def test_the_same_key_in_different_sections_is_not_a_duplicate(write_spec):
    spec = load_spec(write_spec(MINIMAL + "  seed: 3\ntrainer:\n  seed: 4\n"))
    assert (spec.ingest.seed, spec.trainer.seed) == (3, 4)


def test_a_nul_byte_is_one_line(write_spec):
    path = write_spec("name: baker\x00\n")
    assert problems(path) == [f'{path}: not valid YAML: unacceptable character #x0000: special characters are not '
                              f'allowed in "<unicode string>", position 11']


def test_a_bad_set_value_is_blamed_on_the_set_not_the_file(write_spec):
    path = write_spec(MINIMAL + "trainer:\n  seed: 1\n")
    assert problems(path, ["trainer.seed=abc"]) == [
        "--set trainer.seed: Input should be a valid integer, unable to parse string as an integer, got 'abc'"
    ]


def test_a_section_only_a_set_wrote_is_blamed_on_the_set(write_spec):
    path = write_spec("name: baker\n")
    assert problems(path, ["ingest.kind=baker", "ingest.seed=x"]) == [
        "--set ingest.seed: Input should be a valid integer, unable to parse string as an integer, got 'x'"
    ]
    assert problems(path, ["ingest.seed=3"]) == ["--set ingest.seed=3: ingest.kind: required key is missing"]
    assert problems(write_spec(MINIMAL), ["kubeflow.schedule.max_concurrency=2"]) == [
        "--set kubeflow.schedule.max_concurrency=2: kubeflow.schedule.cron: required key is missing"
    ]


def test_a_set_elsewhere_leaves_the_blame_on_the_file(write_spec):
    path = write_spec(MINIMAL + "  examples: 0\nkubeflow:\n  schedule: {max_concurrency: 2}\n")
    assert problems(path, ["ingest.seed=3", "kubeflow.image=x"]) == [
        f"{path}:4: ingest.examples: Input should be greater than or equal to 2, got 0",
        f"{path}:6: kubeflow.schedule.cron: required key is missing",
    ]


def test_keys_of_another_ingest_kind_name_that_kind(write_spec):
    path = write_spec(MINIMAL + "  examples: 100\n")
    assert problems(path, ["ingest.kind=mnist"]) == [f"{path}:4: ingest.examples: unknown key for kind 'mnist'"]
