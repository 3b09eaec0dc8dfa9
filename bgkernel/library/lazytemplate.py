"""Templates as objects: ``DALazyTemplate`` (a `template` block's subject and content, rendered
when read), ``DATemplate`` (subject and content given as text) and ``DAContext`` (one text
for the screen, another for documents)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ..language.markup import to_html
from .objects import _INTERNAL_FILES, DAObject

__all__ = ["DALazyTemplate", "DATemplate", "DAContext"]

_INTERNAL_FILES.add(__file__)


# --- templates ------------------------------------------------------------------------

class DALazyTemplate(DAObject):
    """A ``template`` block's subject and content, rendered each time they are read.

    Rendering goes, in order of preference, through

    1. the callables given to the constructor (``render_subject``, ``render_content``);
       they are not pickled;
    2. the class hook :attr:`DALazyTemplate.renderer`, called as
       ``renderer(source, extra, template)``: the stored ``source_subject`` or
       ``source_content`` text, a dict of extra names (the keywords of ``show(**kw)``,
       else empty) and the template object (for any location the engine stored on it).
       The engine sets it once, ``DALazyTemplate.renderer = render`` (a plain function,
       not bound to the template), and renders against the running namespace, found
       through :func:`bgkernel.library.context.current`;
    3. with no renderer, the source text as it is.

    With neither a callable nor a source, reading raises ``NameError("name '<instanceName>'
    is not defined")`` so the engine defines the template again, as docassemble does.
    """

    renderer: ClassVar[Callable[[str, Mapping[str, Any], DALazyTemplate], str] | None] = None
    _TRANSIENT: ClassVar[tuple[str, ...]] = ("_render_subject", "_render_content")

    def init(self, *pargs, render_subject: Callable[[], str] | None = None,
             render_content: Callable[[], str] | None = None, **kwargs) -> None:
        object.__setattr__(self, "_render_subject", render_subject)
        object.__setattr__(self, "_render_content", render_content)
        super().init(*pargs, **kwargs)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._TRANSIENT}

    def _render(self, part: str, extra: Mapping[str, Any] | None = None) -> str:
        callable_ = self.__dict__.get(f"_render_{part}")
        source = self.__dict__.get(f"source_{part}")
        if callable_ is not None and (not extra or source is None):
            return str(callable_()).rstrip()
        if source is None:
            if part == "subject" and (self.__dict__.get("_render_content") or "source_content" in self.__dict__):
                return ""
            raise NameError(f"name '{self.instanceName}' is not defined")
        hook = DALazyTemplate.__dict__["renderer"]
        hook = hook.__func__ if isinstance(hook, staticmethod) else hook
        return (hook(source, dict(extra or {}), self) if hook is not None else str(source)).rstrip()

    @property
    def subject(self) -> str:
        return self._render("subject")

    @property
    def content(self) -> str:
        return self._render("content")

    def show(self, **kwargs) -> str:
        return self._render("content", kwargs)

    def show_as_markdown(self, **kwargs) -> str:
        return self._render("content", kwargs)

    def subject_as_html(self, trim: bool = False, **kwargs) -> str:
        """The subject as the screen shows it (docassemble markup and Markdown as HTML)."""
        return to_html(self._render("subject", kwargs), trim=trim)

    def content_as_html(self, trim: bool = False, **kwargs) -> str:
        """The content as the screen shows it (docassemble markup and Markdown as HTML)."""
        return to_html(self._render("content", kwargs), trim=trim)

    def __str__(self) -> str:
        return self.content


class DATemplate(DAObject):
    """A subject and content given as text (not rendered again): what docassemble makes of a
    ``template`` it has already rendered, or interview code builds itself."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        self.content = kwargs.get("content", "")
        self.subject = kwargs.get("subject", "")
        self.decorations = [d for d in kwargs.get("decorations", ()) if d]

    def show(self, **kwargs: Any) -> str:
        return str(self)

    def show_as_markdown(self, **kwargs: Any) -> str:
        return str(self.content)

    def subject_as_html(self, trim: bool = False, **kwargs: Any) -> str:
        return to_html(str(self.subject), trim=trim)

    def content_as_html(self, trim: bool = False, **kwargs: Any) -> str:
        return to_html(str(self.content), trim=trim)

    def __str__(self) -> str:
        return str(self.content)


class DAContext(DAObject):
    """A value with one text for the screen (``question``) and another for documents
    (``document``, or per format: ``docx``, ``pdf``, ``pandoc``), like a DADict of them.
    Read on a screen, it is its ``question`` text."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        self.elements: dict[str, Any] = {}
        if len(pargs) == 1:
            self.elements.update(question=pargs[0], document=pargs[0])
        elif len(pargs) >= 2:
            self.elements.update(question=pargs[0], document=pargs[1])
        self.elements.update(kwargs)
        self.pargs, self.kwargs = pargs, kwargs

    def __getitem__(self, key: str) -> Any:
        return self.elements[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.elements[key] = value

    def __str__(self) -> str:
        return str(self.elements.get("question", ""))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.elements.items())
        return f"DAContext({self.instanceName!r}" + (f", {inner}" if inner else "") + ")"

    def __hash__(self) -> int:
        return hash((self.instanceName,))
