"""Japanese left in an English page's chrome.

Names, kana, addresses and other registry text are data and stay as written: templates
wrap them in an element with `lang="ja"` (which also tells a screen reader to read them in
Japanese). Everything else on an English page is the interface, and holds no hiragana,
katakana, CJK ideograph, Japanese punctuation or full-width form. The Django test client
checks a page's HTML with `japanese_in_chrome`; the browser journeys run `CHROME_CHECK`
on every English page they visit (tests/browser/conftest.py).
"""

import re
from html.parser import HTMLParser

# Hiragana, katakana, CJK ideographs (and compatibility ones such as 﨑), full-width forms and
# Japanese punctuation.
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
JAPANESE_RUN = re.compile(JAPANESE.pattern + "+")

# Attributes a person reads or hears: their values are chrome too.
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")
SKIPPED = {"script", "style", "template", "textarea"}  # code, or what a person typed
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class _Chrome(HTMLParser):
    """Collects Japanese text outside elements marked `lang="ja"` (and outside scripts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, is this element data or code)
        self.found: list[str] = []

    def _data_or_code(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        # The nearest lang attribute decides; scripts and styles are code.
        marked = lang.lower().startswith("ja") if lang is not None else self._data_or_code()
        skipped = marked or tag in SKIPPED
        if not skipped:
            for name in READ_ATTRIBUTES:
                if JAPANESE.search(values.get(name) or ""):
                    self.found.append(f'<{tag} {name}="{values[name]}">')
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element (HTML lets some end tags be left out).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._data_or_code() and JAPANESE.search(data):
            self.found.append(" ".join(data.split()))


def japanese_in_chrome(html: str) -> list[str]:
    """Every piece of Japanese text (or read attribute) outside `[lang=ja]` elements."""
    parser = _Chrome()
    parser.feed(html)
    parser.close()
    return parser.found


# The same check in the browser, on the page as rendered (scripts may have changed it).
CHROME_CHECK = r"""
() => {
  const japanese = /[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;
  const skipped = (el) => {
    if (el.closest("script, style, template, textarea")) return true;
    const marked = el.closest("[lang]");
    return !!marked && marked.getAttribute("lang").toLowerCase().startsWith("ja");
  };
  const found = [];
  if (japanese.test(document.title)) found.push(`<title>${document.title}`);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (japanese.test(node.data) && !skipped(node.parentElement)) {
      found.push(node.data.trim().replace(/\s+/g, " "));
    }
  }
  const read = ["title", "aria-label", "placeholder", "alt", "aria-description"];
  for (const el of document.body.querySelectorAll("*")) {
    for (const name of read) {
      const value = el.getAttribute(name);
      if (value && japanese.test(value) && !skipped(el)) {
        found.push(`<${el.localName} ${name}="${value}">`);
      }
    }
  }
  return found;
}
"""
