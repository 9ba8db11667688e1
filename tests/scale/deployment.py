"""The README's scale-out steps, run for real with test values: migrations, web instances, consumers, nginx.

Every `export` of the README's block is used as written unless TEST_VALUES names it (addresses,
secrets, plain-HTTP cookies); a placeholder left unreplaced ("example", "…") fails the run, and so
does a command this runner does not know. Each process gets what a host of its own would have: a
web instance its own staging and live work folders, since those are on the host's disk.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from tests.helpers import answers_http, free_port, stop_process
from tests.scale.nginx import UPSTREAMS, Nginx, nginx
from tests.scale.readme import ROOT, ScaleOut, scale_out

BIN = Path(sys.executable).parent
START_TIMEOUT = 40.0
PLACEHOLDERS = ("example", "…")


@dataclass
class Deployment:
    """What runs: instance URLs (A, B), consumer processes, nginx, and the settings every process got."""

    settings: dict[str, str]
    webs: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    front: Nginx | None = None

    def config(self) -> dict[str, Any]:
        """The settings as create_app's test dict, parsed as Flask's from_prefixed_env does."""
        return {name.removeprefix("ARALYK_"): _parsed(value)
                for name, value in self.settings.items() if name.startswith("ARALYK_")}


def _parsed(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def environment(readme: ScaleOut, values: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """The README's settings with the test's values in place of the machine-specific ones."""
    unknown = set(values) - set(readme.settings)
    assert not unknown, f"the README no longer sets {sorted(unknown)}"
    settings = {**readme.settings, **values}
    left = {n: v for n, v in settings.items() if any(p in v for p in PLACEHOLDERS)}
    assert not left, f"README settings with no test value: {left}"
    return {**settings, **extra}


def _env(settings: dict[str, str], **own: str) -> dict[str, str]:
    """A process environment: ours, the settings, the venv's programs first on PATH."""
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **settings, **own, "PATH": path}


def _started(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_http(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not answers_http(url):
        assert proc.poll() is None, f"{proc.args} exited {proc.returncode}:\n{log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, f"{proc.args} did not answer:\n{log.read_text(errors='replace')}"
        time.sleep(0.1)


@contextmanager
def deployed(values: dict[str, str], extra: dict[str, str], tmp: Path) -> Iterator[Deployment]:
    """Run the README's block in order; nginx (deploy/nginx) in front of the web instances it started."""
    readme = scale_out()
    binds = [argv[argv.index("-b") + 1] for argv in readme.named("gunicorn")]
    assert binds == list(UPSTREAMS), f"README instances {binds} are not nginx's upstreams {UPSTREAMS}"
    deployment = Deployment(environment(readme, values, extra))
    ports = {bind: f"127.0.0.1:{free_port()}" for bind in binds}
    with ExitStack() as stack:
        for n, argv in enumerate(readme.commands):
            log = tmp / f"{n}-{argv[0]}.log"
            if argv[:3] == ["flask", "db", "upgrade"]:
                done = subprocess.run(argv, cwd=ROOT, env=_env(deployment.settings), capture_output=True, text=True)
                assert done.returncode == 0, done.stdout + done.stderr
            elif argv[0] == "gunicorn":
                own = {"ARALYK_UPLOAD_STAGING_DIR": str(tmp / f"web{n}" / "staging"),
                       "ARALYK_LIVE_WORK_DIR": str(tmp / f"web{n}" / "live")}
                bind = ports[argv[argv.index("-b") + 1]]
                argv = [a if a not in ports else bind for a in argv]
                proc = _started(argv, _env(deployment.settings, **own), log)
                stack.callback(stop_process, proc)
                _wait_http(f"http://{bind}/login", proc, log)
                deployment.webs.append(f"http://{bind}")
            elif argv[:2] == ["flask", "worker"]:
                proc = _started(argv, _env(deployment.settings), log)
                stack.callback(stop_process, proc)
                deployment.workers.append(proc)
            else:
                raise AssertionError(f"the README runs {argv}, which this test does not know how to run")
        deployment.front = stack.enter_context(nginx([ports[b] for b in binds], tmp / "nginx"))
        yield deployment
