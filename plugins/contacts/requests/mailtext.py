"""The readable text of an HTML-only e-mail.

Only text is kept: tags, scripts, styles and comments are dropped, entities
decoded, blocks separated by line breaks. The result is stored and shown as
plain text (escaped like any other), so nothing of the HTML can run.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose content is not text for a reader.
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
#: Elements that start a new line.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section",
        "table", "tr", "ul",
    }
)  # fmt: skip


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text a reader sees in ``html``, lines trimmed, at most one empty line in a row."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = [
        re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip()
        for line in "".join(collector.parts).split("\n")
    ]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
