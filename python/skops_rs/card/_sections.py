"""Live views of a card's sections (skops' ``Section``, ``PlotSection``, ``TableSection``).

A view holds its card and the keys leading to the section; reading or setting ``title``,
``content``, ``visible``, ``folded`` (and ``path``/``alt_text`` for plots) reads or changes
the card itself, as changing skops' section objects does.
"""

from __future__ import annotations

from typing import Any

from skops_rs import _skops_rs


class Section:
    """A section of a card: a title, content and subsections.

    Obtained from :meth:`skops_rs.card.Card.select`; changes to its attributes change the card.
    """

    def __init__(self, core: Any, parts: list[str]) -> None:
        self._core = core
        self._parts = list(parts)

    def _info(self) -> dict[str, Any]:
        info: dict[str, Any] = self._core.section(self._parts)
        return info

    def _set(self, field: str, value: Any) -> None:
        self._core.set_field(self._parts, field, value)

    @property
    def title(self) -> str:
        """The heading text."""
        return str(self._info()["title"])

    @title.setter
    def title(self, value: str) -> None:
        self._set("title", value)

    @property
    def content(self) -> str:
        """The markdown content (for plots and tables, the description before them)."""
        return str(self._info()["content"])

    @content.setter
    def content(self, value: str) -> None:
        self._set("content", value)

    @property
    def visible(self) -> bool:
        """Hidden sections (and their subsections) are not rendered."""
        return bool(self._info()["visible"])

    @visible.setter
    def visible(self, value: bool) -> None:
        self._set("visible", value)

    @property
    def folded(self) -> bool:
        """Folded sections show their content in a ``<details>`` block, without subsections."""
        return bool(self._info()["folded"])

    @folded.setter
    def folded(self, value: bool) -> None:
        self._set("folded", value)

    @property
    def subsections(self) -> dict[str, Section]:
        """The subsections by key, in order (a new dict of views)."""
        return {key: _view(self._core, [*self._parts, key]) for key in self._info()["keys"]}

    def select(self, key: str) -> Section:
        """A subsection, by relative path (``"Sub/Subsub"``)."""
        names: list[str] = _skops_rs.card_split_path(key)
        if not all(names):
            raise KeyError(f"Section name cannot be empty but got '{key}'")
        parts = [*self._parts, *names]
        if not self._core.exists(parts):
            raise KeyError(names[-1])
        return _view(self._core, parts)

    def format(self) -> str:
        """The content as rendered under the heading."""
        return str(self._core.format(self._parts))

    def __eq__(self, other: object) -> bool:
        # Like skops' dataclass equality: same title, content, flags and subsections (compared
        # by key and value), whichever object holds them.
        fields = ("title", "content", "visible", "folded")
        if not all(hasattr(other, name) for name in fields):
            return NotImplemented
        if any(getattr(self, name) != getattr(other, name) for name in fields):
            return False
        mine, theirs = self.subsections, getattr(other, "subsections", {}) or {}
        return list(mine) == list(theirs) and all(mine[k] == theirs[k] for k in mine)

    def __hash__(self) -> int:
        return hash((id(self._core), tuple(self._parts)))

    def __repr__(self) -> str:
        return self.content


class PlotSection(Section):
    """A section showing an image file."""

    @property
    def path(self) -> str:
        """The image path written into the card."""
        return str(self._info()["path"])

    @path.setter
    def path(self, value: Any) -> None:
        self._set("path", str(value))

    @property
    def alt_text(self) -> str:
        """The alternative text (the path is shown when it is empty)."""
        return str(self._info()["alt_text"])

    @alt_text.setter
    def alt_text(self, value: str) -> None:
        self._set("alt_text", value)

    def __repr__(self) -> str:
        return f"PlotSection({self.path})"


class TableSection(Section):
    """A section showing a markdown table."""

    @property
    def table(self) -> dict[str, list[str]]:
        """The table as ``{header: [cell text, ...]}`` (cells as rendered, newlines as
        ``<br />``)."""
        table: dict[str, list[str]] = self._info()["table"]
        return table

    def __repr__(self) -> str:
        nrows, ncols = self._info()["shape"]
        return f"TableSection({nrows}x{ncols})"


_KINDS: dict[str, type[Section]] = {
    "text": Section,
    "plot": PlotSection,
    "table": TableSection,
}


def _view(core: Any, parts: list[str]) -> Section:
    """The view class matching the section's kind."""
    kind = core.section(parts)["kind"]
    return _KINDS[kind](core, parts)
