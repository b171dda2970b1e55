"""docs/plugins.md is enough to build a plugin: its file-by-file blocks make one that works.

The guide's appendix holds every file of examples/myynti-notes, each block marked
``<!-- file: PATH -->``. The test writes the blocks into an empty folder and runs the
example's own test suite with that folder ahead of the installed example on the
import path, so a missing import or a stale snippet in the guide fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
EXAMPLE = ROOT / "examples" / "myynti-notes"
BLOCK = re.compile(r"<!-- file: (\S+) -->\n`[^`\n]+`:\n\n```\w+\n(.*?)\n```", re.DOTALL)


def guide_files() -> dict[str, str]:
    return {path: text + "\n" for path, text in BLOCK.findall(GUIDE.read_text(encoding="utf-8"))}


def test_the_guide_holds_every_file_of_the_example_package() -> None:
    package = EXAMPLE / "myynti_notes"
    files = {
        str(path.relative_to(EXAMPLE))
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }

    assert set(guide_files()) == files


def test_a_plugin_built_from_the_guide_passes_the_examples_tests(tmp_path: Path) -> None:
    for path, text in guide_files().items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("PYTEST_XDIST_WORKER", None)
    found = subprocess.run(
        [sys.executable, "-c", "import myynti_notes; print(myynti_notes.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == str(tmp_path / "myynti_notes" / "__init__.py")

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            str(EXAMPLE / "tests"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
