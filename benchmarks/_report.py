"""Write one benchmark's section of BENCHMARKS.md, leaving the other sections alone.

Each benchmark script owns the text between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; running it replaces that section (or appends it).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCH_FILE = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"

HEADER = """# Benchmarks

Every figure below was written by the command named in its section; none is typed by
hand. The machine is noisy (2 cores), so each section compares against its baseline or
peer measured in the same run.
"""


def machine_line() -> str:
    """Describe the machine and commit the figures were measured on."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            cwd=BENCH_FILE.parent, check=False,
        ).stdout.strip() or "uncommitted"
    except OSError:
        commit = "unknown"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"_Measured {when} on {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, commit {commit}._")


def write_section(name: str, markdown: str, path: Path = BENCH_FILE) -> None:
    """Replace (or append) the section ``name`` of BENCHMARKS.md with ``markdown``."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{markdown.rstrip()}\n\n{machine_line()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
