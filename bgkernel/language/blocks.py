"""The interview's blocks as plain frozen data, one class per kind.

``reader.py`` builds these from YAML; ``engine.py`` evaluates them.  Every block
keeps its ``file``, ``line`` and ``index`` so errors can point into the YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .templates import Code, Expr, Text

__all__ = [
    "Block", "QuestionBlock", "CodeBlock", "TemplateBlock", "ObjectsBlock", "AttachmentBlock",
    "DataBlock", "SettingsBlock", "Field", "Choice", "Attachment", "ObjectSpec",
]


@dataclass(frozen=True, eq=False)
class Block:
    """What every block has: where it is, its name, its conditions and setup keys."""

    file: str
    line: int
    index: int
    name: str                       # "ID <id>" or "Question_<n>" / "Block_<n>"
    id: str | None = None
    mandatory: bool | Expr = False
    conditions: tuple[Expr, ...] = ()     # `if:`
    need_pre: tuple[Expr, ...] = ()
    need_post: tuple[Expr, ...] = ()
    reconsider: tuple[str, ...] | bool = ()
    undefine: tuple[str, ...] = ()
    defines: tuple[str, ...] = ()         # the variables this block offers to define
    generic: str | None = None            # `generic object:` class name
    role: tuple[str, ...] = ()
    language: str = "*"
    supersedes: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()      # `depends on:` a change to these undefines ours

    kind = "block"

    def where(self) -> str:
        return f"{self.file}, line {self.line}"


@dataclass(frozen=True)
class Choice:
    """One choice of a multiple-choice question or a field."""

    label: Text
    value: Any                            # str, bool, None, or an embedded block/command
    help: Text | None = None
    default: bool = False
    image: str | None = None
    command: str | None = None            # 'refresh', 'exit', 'leave', 'restart' ...
    url: str | None = None
    embedded: Block | None = None         # `- Label: {code: ...}` without `field:`
    show_if: Any = None                   # `show if:` a Python expression (or a bool)


@dataclass(frozen=True)
class Field:
    """One item of `fields:` (an input, or a note / html display item)."""

    variable: str | None
    label: Text | None
    datatype: str = "text"
    input_type: str | None = None
    required: bool | Expr = True
    default: Any = None                   # Text, literal, or Expr (`default: {code: }`)
    choices: tuple[Choice, ...] | Expr | None = None
    exclude: Expr | None = None
    none_of_the_above: bool | Text = True
    minimum: Any = None
    maximum: Any = None
    minlength: int | None = None
    maxlength: int | None = None
    step: Any = None
    hint: Text | None = None
    help: Text | None = None
    note: Text | None = None
    html: Text | None = None
    show_if: Any = None
    hide_if: Any = None
    js_show_if: str | None = None
    js_enable_if: str | None = None
    disabled: bool | Expr = False
    validate: Expr | None = None
    extras: tuple[tuple[str, Any], ...] = ()
    dynamic: Expr | None = None           # `- code: expr`: fields computed when asked
    labeler: Expr | None = None           # `object labeler`: a function, object -> label
    help_generator: Expr | None = None    # `help generator`: a function, object -> help
    parameters: tuple[tuple[str, Any], ...] = ()   # a custom datatype's keys of this field

    @property
    def is_display(self) -> bool:
        return self.variable is None


@dataclass(frozen=True)
class Attachment:
    """A document produced from Markdown ``content`` (or a file)."""

    name: Text | None
    filename: Text | None
    content: Text | None
    variable: str | None = None
    description: Text | None = None
    valid_formats: tuple[str, ...] = ("*",)       # "*": docassemble's pdf, rtf and html
    metadata: tuple[tuple[str, Any], ...] = ()
    formats_code: Any = None                      # `valid formats: {code: ...}` (an Expr)
    docx_template: tuple = ()                     # `docx template file`: references or Exprs
    pdf_template: Any = None                      # `pdf template file`: a reference or an Expr
    fields: Any = None                            # `fields`: Text leaves in dicts and lists
    field_variables: tuple[str, ...] = ()         # `field variables` (and `raw field variables`)
    field_code: tuple = ()                        # `field code`: (name, Expr) pairs
    code: Any = None                              # `code`: an Expr giving a dict
    skip_undefined: bool = False
    editable: Any = None                          # `editable`: an Expr (PDF forms)
    decimal_places: int | None = None
    file: str | None = None                       # where the attachment is in the YAML
    line: int | None = None
    folder: str | None = None                     # the interview's folder (template lookup)
    manual_fields: bool = False                   # fields/code given: not every answer

    @property
    def template_kind(self) -> str:
        return "docx" if self.docx_template else "pdf" if self.pdf_template is not None else ""


@dataclass(frozen=True)
class ReviewItem:
    """One line of a ``review`` screen: a label and the variables it edits, the text shown
    (``button``/``help``) and a ``note``; ``show_if`` names variables that must be defined."""

    label: Text | None = None
    fields: tuple[str, ...] = ()
    text: Text | None = None
    note: Text | None = None
    show_if: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class QuestionBlock(Block):
    """A screen: a question with fields, buttons, yes/no, an event screen ..."""

    question_type: str = "deadend"        # fields, yesno, noyes, yesnomaybe, noyesmaybe,
    #                                       multiple_choice, settrue, signature, review, deadend
    question: Text | None = None
    subquestion: Text | None = None
    under: Text | None = None
    pre: Text | None = None
    post: Text | None = None
    right: Text | None = None
    help: Text | None = None
    script: Text | None = None            # HTML put on the page (``<script>``), Mako first
    section: Text | None = None           # the `nav` section this question belongs to
    audio: Text | None = None             # `audio:` / `video:`: the media the screen plays
    video: Text | None = None
    review: tuple[ReviewItem, ...] = ()
    skip_undefined: bool = True           # review: leave out lines whose variables are undefined
    fields: tuple[Field, ...] = ()
    variable: str | None = None           # the `field:` / `yesno:` / `signature:` variable
    choices: tuple[Choice, ...] | Expr = ()
    choice_style: str = "buttons"         # buttons, radio, dropdown, combobox
    choice_datatype: str | None = None
    continue_field: str | None = None
    continue_label: Text | None = None
    events: tuple[str, ...] = ()
    reload: Text | None = None
    checkin: str | None = None
    attachments: tuple[Attachment, ...] = ()
    attachment_code: Expr | None = None
    validation_code: Code | None = None
    prevent_back: bool = False
    back_button: bool | None = None
    hide_continue: bool = False
    command: str | None = None

    kind = "question"

    @property
    def is_event(self) -> bool:
        return bool(self.events)


@dataclass(frozen=True, eq=False)
class CodeBlock(Block):
    """Python to run: `code:` (optionally `initial`, `event`, `default role`)."""

    code: Code | None = None
    initial: bool | Expr = False
    events: tuple[str, ...] = ()
    default_role: tuple[str, ...] = ()

    kind = "code"


@dataclass(frozen=True, eq=False)
class TemplateBlock(Block):
    """`template: var` with `subject`, `content` and optional `target`."""

    variable: str = ""
    subject: Text | None = None
    content: Text | None = None
    target: str | None = None

    kind = "template"


@dataclass(frozen=True)
class ObjectSpec:
    variable: str
    expression: Expr


@dataclass(frozen=True, eq=False)
class ObjectsBlock(Block):
    objects: tuple[ObjectSpec, ...] = ()

    kind = "objects"


@dataclass(frozen=True, eq=False)
class AttachmentBlock(Block):
    """`attachment(s)` with no `question`: defines documents by `variable name`."""

    attachments: tuple[Attachment, ...] = ()

    kind = "attachments"


@dataclass(frozen=True, eq=False)
class DataBlock(Block):
    """`data:` (or `data from code:`) with `variable name:`."""

    variable: str = ""
    data: Any = None
    from_code: bool = False
    table: bool = False
    use_objects: Any = False              # False, True or "objects" (see data_objects.py)
    gathered: bool = True

    kind = "data"


@dataclass(frozen=True, eq=False)
class SettingsBlock(Block):
    """Blocks that configure rather than define: metadata, features, modules, imports,
    reset, default role, def/mako, comment, include (already expanded)."""

    setting: str = ""
    value: Any = None
    extra: dict = field(default_factory=dict)

    kind = "settings"
