"""``nav``: the interview's sections (a ``sections`` block) and which one the user is in.

Every session has a ``nav`` (saved with its answers).  Its sections come from the
interview's ``sections`` block -- a list of names, ``{id: title}`` dicts, and dicts with
``subsections`` -- unless code calls ``nav.set_sections(...)``.  A question with
``section: id`` makes that section current when it is asked; ``nav.get_section()`` says
which is (``display=True``: its title), ``nav.past`` which the user has been in.
"""
from __future__ import annotations

from typing import Any, Iterator

__all__ = ["DANav", "install"]


class DANav:
    """The navigation of one session (docassemble's ``nav`` object)."""

    def __init__(self) -> None:
        self.past: set = set()
        self.sections: dict[str, list] | None = None      # by language; "*" for any
        self.current: Any = None
        self.progressive = True
        self.hidden = False
        self.disabled = False

    def __str__(self) -> str:
        return self.show_sections()

    # -- the current section --
    def set_section(self, section: Any) -> bool:
        """Make ``section`` current; False when it already was."""
        if section == self.current:
            return False
        self.current = section
        self.past.add(section)
        return True

    def get_section(self, display: bool = False, language: str | None = None) -> Any:
        """The current section's id, or with ``display`` its title."""
        if self.current is None or not display:
            return self.current
        for key, title, _ in self._walk(language):
            if key == self.current:
                return title
        return self.current

    # -- the sections --
    def set_sections(self, sections: list | None, language: str | None = None) -> None:
        if self.sections is None:
            self.sections = {}
        self.sections[language or "*"] = list(sections or [])

    def get_sections(self, language: str | None = None) -> list:
        sections = self.sections or {}
        return sections.get(language or "*", sections.get("*", []))

    def section_ids(self, language: str | None = None) -> list:
        return [key for key, _, _ in self._walk(language)]

    def _walk(self, language: str | None) -> Iterator[tuple[Any, str, int]]:
        """(id, title, depth) of every section and subsection, in order."""
        for item in self.get_sections(language):
            key, title, subsections = _entry(item)
            yield key, title, 0
            for sub in subsections:
                sub_key, sub_title, _ = _entry(sub)
                yield sub_key, sub_title, 1

    # -- showing it --
    def hide(self) -> None:
        self.hidden = True

    def unhide(self) -> None:
        self.hidden = False

    def disable(self) -> None:
        self.disabled = True

    def enable(self) -> None:
        self.disabled = False

    def visible(self, language: str | None = None) -> bool:
        return bool(self.sections) and bool(self.get_sections(language)) and not self.hidden

    def enabled(self) -> bool:
        return not self.disabled

    def show_sections(self, style: str = "inline", show_links: Any = None) -> str:
        """The sections as a Markdown list, the current one in bold."""
        lines = []
        for key, title, depth in self._walk(None):
            text = f"**{title}**" if key == self.current else str(title)
            lines.append("  " * depth + "* " + text)
        return "\n".join(lines)


def _entry(item: Any) -> tuple[Any, str, list]:
    """One ``sections`` item: a name, ``{id: title}``, ``{id: [subsections]}`` or
    ``{id: title, subsections: [...]}``."""
    if not isinstance(item, dict):
        return str(item), str(item), []
    subsections = item.get("subsections", [])
    rest = [(k, v) for k, v in item.items() if k != "subsections"]
    if len(rest) != 1:
        return str(item), str(item), []
    key, value = rest[0]
    if isinstance(value, list):
        return key, str(key), value
    return key, str(value), list(subsections or [])


def install(interview: Any, ns: dict) -> None:
    """Give the answers a ``nav`` (unless the interview named something else so), with the
    interview's sections when it has none of its own."""
    nav = ns.get("nav")
    if nav is None:
        nav = ns["nav"] = DANav()
    if isinstance(nav, DANav) and nav.sections is None:
        nav.set_sections(interview.sections)
