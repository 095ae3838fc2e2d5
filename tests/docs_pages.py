"""Test code: the README and the docs/ pages as a user reads them: in the README's table order, with their
`sh` blocks (commands to paste), output blocks and the commands named in the text.

    for page in pages():
        script = "\\n".join(blocks(page, "sh"))    # what a user pastes, block after block
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from conftest import REPO

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```$", re.S | re.M)
# A command in the text: a program and its arguments, as a user could paste it.
PROGRAMS = ("tfxflow", "make", ".venv/bin/", "python", "python3", "docker", "pytest", "/usr/bin/time", "lint-imports")
# A placeholder the reader fills in: RUN_ID, REGISTRY/tfxflow:TAG, N, …, <id>.
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_-]*\b|…|<[^>]+>")


def pages() -> list[Path]:
    """README.md, then every page its documentation table links, in that order, then any other page."""
    readme = REPO / "README.md"
    linked = re.findall(r"^\| \[[^]]+\]\((docs/[\w-]+\.md)\)", readme.read_text(), re.M)
    ordered = [REPO / link for link in linked]
    return [readme, *ordered, *sorted(set((REPO / "docs").glob("*.md")) - set(ordered))]


def blocks(page: Path, language: str) -> list[str]:
    """The bodies of the fenced blocks of `page` tagged `language` ("" for untagged: output)."""
    return [body for tag, body in FENCE.findall(page.read_text()) if tag.strip() == language]


def text_outside_blocks(page: Path) -> str:
    return FENCE.sub("", page.read_text())


def commands(script: str) -> list[str]:
    """The command lines of a shell script, continuation lines joined and heredoc bodies left out."""
    lines, body_end = [], None
    for line in script.replace("\\\n", " ").splitlines():
        if body_end is not None:
            body_end = None if line.strip() == body_end else body_end
            continue
        heredoc = re.search(r"<<-?\s*'?(\w+)'?", line)
        body_end = heredoc.group(1) if heredoc else None
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def normalized(command: str) -> str:
    """`command` without its comment and with single spaces, for comparing a command across pages."""
    try:
        return shlex.join(shlex.split(command, comments=True))
    except ValueError:  # an unbalanced quote: compare it as written
        return " ".join(command.split())


def _names_a_command(span: str) -> bool:
    """`tfxflow drift`, `tfxflow schema infer`: a command named in the text, not one to run."""
    return span.startswith("tfxflow ") and all(word.isalpha() for word in span.split())


def shown_commands(page: Path) -> list[str]:
    """Commands `page` shows outside its `sh` blocks, without placeholders: each `$ ` line of an output
    block, and inline code that is a program with arguments."""
    prompts = [line[2:] for body in blocks(page, "") for line in body.splitlines() if line.startswith("$ ")]
    inline = [span for span in re.findall(r"`([^`\n]+)`", text_outside_blocks(page))
              if span.startswith(PROGRAMS) and len(span.split()) >= 2 and not _names_a_command(span)]
    return [command for command in prompts + inline if not PLACEHOLDER.search(command)]
