"""Sum the JUnit reports of CI's pytest passes into one closing line.

    python .ci/summary.py report1.xml report2.xml …   →   ci: 2160 passed, 0 failed, 14 skipped
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def counts(path: str) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        fails = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - skips - fails
        failed += fails
        skipped += skips
    return passed, failed, skipped


if __name__ == "__main__":
    totals = [sum(column) for column in zip(*(counts(p) for p in sys.argv[1:]), strict=True)]
    passed, failed, skipped = totals if totals else (0, 0, 0)
    print(f"ci: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed or not passed else 0)
