"""The README is a short front page with a real picture, and the pages link where they say: every relative
link names a file of the checkout and, with an anchor, a heading of that page (GitHub's anchors)."""
import re
import struct
from pathlib import Path

import pytest

from conftest import REPO
from docs_pages import blocks, commands, normalized, pages, shown_commands, text_outside_blocks

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*", "", heading.strip().lstrip("#").strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {anchor(line) for line in text_outside_blocks(page).splitlines() if line.startswith("#")}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(text_outside_blocks(page)):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto: — not the checkout's
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading #{fragment} in {linked.name}")
    return broken


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.name)
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading, with: punctuation\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#a-code-heading-with-punctuation) [gone](missing.md) [bad](other.md#nowhere) "
                    "[web](https://example.com/x.md)\n```sh\n[not a link](nowhere.md)\n```\n")
    assert broken_links(page) == [f"missing.md: no file {tmp_path / 'missing.md'}",
                                  "other.md#nowhere: no heading #nowhere in other.md"]


def test_the_readme_is_short_and_shows_a_report_made_by_a_script_in_the_repo():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    picture = REPO / "docs" / "report.png"
    assert "](docs/report.png)" in readme and "docs/report_picture.py" in readme
    header = picture.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (1100, 1500)  # docs/report_picture.py's window


def test_the_readme_links_a_page_for_every_task_the_docs_cover():
    linked = {page.name for page in pages()[1:]}
    assert {"your-pipeline.md", "your-code.md", "pipeline-file.md", "commands.md", "kubeflow.md", "drift.md",
            "reliability.md", "speed.md", "object-stores.md"} <= linked
    assert linked == {p.name for p in (REPO / "docs").glob("*.md")}, "a page the README's table does not link"


def test_the_readmes_pipeline_file_is_the_one_the_walkthrough_writes_and_runs():
    (readme_file,) = blocks(REPO / "README.md", "yaml")
    walkthrough = "\n".join(blocks(REPO / "docs" / "your-pipeline.md", "sh"))
    assert f"cat > churn.yaml <<'YAML'\n{readme_file}YAML\n" in walkthrough


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.name)
def test_every_command_shown_outside_a_block_is_one_the_blocks_run(page):
    """A `$ command` in an output block, or a full command in the text, is one of the commands the pages'
    `sh` blocks run (tests/test_docs_commands.py), so no command is shown that nothing runs."""
    run = {normalized(command) for each in pages() for body in blocks(each, "sh") for command in commands(body)}
    assert [command for command in shown_commands(page) if normalized(command) not in run] == []


def test_a_shown_command_that_no_block_runs_is_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Run `tfxflow validate my.yaml` or `tfxflow report RUN_ID` (a placeholder).\n\n"
                    "```\n$ tfxflow runs pipelines/baker.yaml\n```\n")
    assert shown_commands(page) == ["tfxflow runs pipelines/baker.yaml", "tfxflow validate my.yaml"]


def test_commands_joins_continuations_and_leaves_out_heredoc_bodies():
    script = "cat > a.py <<'PY'\nimport os\nPY\ntfxflow run a.yaml \\\n  --set x=1   # note\n# a comment\n"
    assert commands(script) == ["cat > a.py <<'PY'", "tfxflow run a.yaml    --set x=1   # note"]
    assert normalized(commands(script)[1]) == "tfxflow run a.yaml --set x=1"


def test_every_command_of_the_cli_has_an_example_the_blocks_run():
    from tfxflow.pipelines.cli import main

    names = {name for name, command in main.commands.items() if not hasattr(command, "commands")}
    names |= {f"{name} {sub}" for name, command in main.commands.items() for sub in getattr(command, "commands", {})}
    run = {" ".join(normalized(command).split()[1:3]) for page in pages() for body in blocks(page, "sh")
           for command in commands(body) if command.startswith("tfxflow ")}
    assert {name for name in names if not any(used == name or used.startswith(f"{name} ") for used in run)} == set()
