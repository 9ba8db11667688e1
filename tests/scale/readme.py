"""The README's "Scale-out configuration" shell block, read as the steps the deployment tests run."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Scale-out configuration"


@dataclass
class ScaleOut:
    """The block's settings (export NAME=value) and its commands, in order, as argv lists."""

    settings: dict[str, str] = field(default_factory=dict)
    commands: list[list[str]] = field(default_factory=list)

    def named(self, program: str) -> list[list[str]]:
        """The commands that run this program (e.g. 'gunicorn'), in order."""
        return [argv for argv in self.commands if argv[0] == program]


def block(readme: str) -> str:
    """The first ```sh block of the section."""
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, f"no ```sh block under {SECTION}"
    return found.group(1)


def settings_of(lines: list[str]) -> dict[str, str]:
    """NAME=value pairs of env-file lines (export optional, # comments and blank lines skipped)."""
    pairs: dict[str, str] = {}
    for line in lines:
        words = shlex.split(line, comments=True)
        for word in words[1:] if words[:1] == ["export"] else words:
            name, value = word.split("=", 1)
            pairs[name] = value
    return pairs


def scale_out(path: Path = ROOT / "README.md") -> ScaleOut:
    """The README's block: its exports and its commands."""
    result = ScaleOut()
    lines = [ln for ln in block(path.read_text()).splitlines() if shlex.split(ln, comments=True)]
    result.settings = settings_of([ln for ln in lines if ln.startswith("export ")])
    result.commands = [shlex.split(ln, comments=True) for ln in lines if not ln.startswith("export ")]
    return result


def unit_command(path: Path, instance: str) -> list[str]:
    """A systemd unit's ExecStart as argv, for one instance (%i), with the program's bare name."""
    line = next(ln for ln in path.read_text().splitlines() if ln.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))
    return [Path(argv[0]).name, *argv[1:]]
