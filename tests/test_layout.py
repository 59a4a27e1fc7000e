"""The tests mirror the code (tests/README.md): every test file is at its module's path, or
is listed in the README's cross-cutting tests, so the layout cannot drift."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def cross_cutting():
    """The paths listed under the README's "Cross-cutting tests": files, and folders (/)."""
    text = (TESTS / "README.md").read_text(encoding="utf-8")
    section = text.split("## Cross-cutting tests", 1)[1].split("\n## ", 1)[0]
    listed = section.split("Helpers, not tests:", 1)[0]
    return set(re.findall(r"`(tests/[^`]+)`", listed))


def mirrored_module(test_file: Path) -> Path:
    """tests/counter/views/test_letters.py -> counter/views/letters.py"""
    relative = test_file.relative_to(TESTS)
    return ROOT / relative.parent / relative.name.removeprefix("test_")


def listed(test_file: Path, listing: set[str]) -> bool:
    path = test_file.relative_to(ROOT).as_posix()
    return path in listing or any(
        entry.endswith("/") and path.startswith(entry) for entry in listing
    )


def test_every_test_file_mirrors_a_module_or_is_listed_as_cross_cutting():
    listing = cross_cutting()
    strays = [
        test_file.relative_to(ROOT).as_posix()
        for test_file in sorted(TESTS.rglob("test_*.py"))
        if not mirrored_module(test_file).is_file() and not listed(test_file, listing)
    ]
    assert strays == [], "neither mirrors a module nor is listed in tests/README.md"


def test_the_cross_cutting_list_names_only_what_exists():
    missing = [entry for entry in cross_cutting() if not (ROOT / entry).exists()]
    assert missing == []


def test_the_rule_table_names_only_test_files_that_exist():
    text = (TESTS / "README.md").read_text(encoding="utf-8")
    table = text.split("## The design's rules and their tests", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(tests/[^`]+\.py)`", table))
    assert named and [path for path in named if not (ROOT / path).is_file()] == []
    rules = re.findall(r"^\| (\d+b?) +\|", table, flags=re.MULTILINE)
    assert {"3", "3b", "4", "5", "9"} <= set(rules)
