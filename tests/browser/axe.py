"""axe-core in the browser tests: injected into a page by the test, never served to users.

The script is handed to Playwright's `page.evaluate`, which runs it through the DevTools
protocol: the page's Content-Security-Policy (no inline scripts) does not apply to it, and
the page's own HTML never carries it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
# What WCAG 2.1 A and AA ask (RGAA 4.1's reference), plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class Finding:
    """One axe rule broken on one page, with where (CSS selectors of up to three nodes)."""

    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(self.targets)
        return f"{self.page}: [{self.impact}] {self.rule} — {self.help} at {where}"


def audit(page, key: str) -> list[Finding]:
    """Run axe-core over the page as it stands; every violation, as Findings."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", AXE_TAGS)
    return [Finding(key, violation["id"], violation["impact"] or "minor", violation["help"],
                    tuple(" ".join(map(str, node["target"])) for node in violation["nodes"][:3]))
            for violation in result["violations"]]
