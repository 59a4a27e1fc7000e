"""The README and docs/ link only to what a clone of this repository holds."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def tracked(pattern):
    listed = subprocess.run(  # noqa: S603
        ["git", "ls-files", "--", pattern],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout:
        return [ROOT / line for line in listed.stdout.splitlines()]
    return sorted(ROOT.glob(pattern))  # an export without git


def documents():
    return [ROOT / "README.md", *tracked("docs/*.md")]


def test_every_relative_link_resolves_inside_the_repository():
    broken = []
    for document in documents():
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not ours to check
            resolved = (document.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []


def test_nothing_points_at_the_shared_folder_outside_the_repository():
    # The design used to live in ../shared, which no clone has (issue 15).
    mentions = [
        f"{path.relative_to(ROOT)}"
        for path in [*documents(), *tracked("*.py"), *tracked("templates/**")]
        if path.is_file()
        and path != Path(__file__).resolve()
        and "shared/" in path.read_text(encoding="utf-8", errors="ignore")
    ]
    assert mentions == []


def test_the_design_the_code_cites_is_here():
    design = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    for heading in ("## 1. The problem", "## 4. The referral", "## 5. Services and selectors"):
        assert heading in design
    for rule in (
        "1.",
        "2.",
        "3.",
        "3b.",
        "4.",
        "5.",
        "6.",
        "7.",
        "8.",
        "9.",
        "10.",
        "11.",
        "12.",
        "13.",
    ):
        assert re.search(rf"^ ?{re.escape(rule)} \*\*", design, re.MULTILINE), rule
