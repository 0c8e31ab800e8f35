"""The import contracts of pyproject.toml ([tool.importlinter]) hold: domain packages are plain
Python, marketplace imports the portal only in its factory, the domain layers point down.

The same check runs as `.venv/bin/lint-imports` in .ci/run; here it runs with the suite (the
README's test command), so that a new arrow up fails on a laptop too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout
