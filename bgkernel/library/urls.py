"""The web server around an interview, as a headless simulator sees it.

docassemble's functions that ask the web application something: URLs (``url_of``,
``interview_url``), the browser (``device``, ``language_from_browser``), page parts
(``set_parts``), the language of the request, session tags, live help, and services that
need a server (SMS, OCR, PDF tools ...).  bgkernel has no web server, so:

* URLs are built in docassemble's shapes on the root given by the configuration key
  ``url root`` (default ``http://localhost/``).  A static file found next to the interview
  (or in a ``static`` folder there) is given as a ``file://`` URI, like
  :class:`~bgkernel.library.files.DAFile`; another package's file as its ``/packagestatic/`` path.
* The browser is a desktop Firefox at 127.0.0.1 that sends no Accept-Language header.
* The request's language lives in ``ctx.extra`` (reset on each evaluation, as each request
  is in docassemble); tags, page parts, progress and live-help settings live in the
  session's ``_internal``.
* A service bgkernel lacks raises :class:`~bgkernel.errors.DAError` saying so when called
  (after seeking any undefined argument, as docassemble would); ``send_sms`` returns False,
  as docassemble's does when no SMS account is configured.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..errors import DAError
from .context import current, default_timezone
from .functions import undefine, url_action, value
from .geography import get_country as configured_country
from .words import ensure_definition

__all__ = [
    "url_of", "interview_url", "interview_url_action", "interview_url_as_qr",
    "interview_url_action_as_qr", "qr_code", "referring_url", "action_menu_item",
    "action_button_html", "set_parts", "set_title", "update_terms", "set_progress",
    "get_progress", "device",
    "language_from_browser", "get_language", "set_language", "get_dialect", "get_voice",
    "set_country", "get_country", "get_locale", "set_locale", "update_locale", "language_name",
    "session_tags", "server_capabilities", "set_live_help_status", "chat_partners_available",
    "get_chat_log", "static_image", "dispatch", "get_default_timezone", "location_known",
    "location_returned", "user_lat_lon",
    # services a server provides: DAError when called (send_sms: False)
    "send_sms", "send_fax", "ocr_file", "ocr_file_in_background", "read_qr", "overlay_pdf",
    "assemble_docx", "get_sms_session", "initiate_sms_session", "terminate_sms_session", "map_of",
    "interview_list", "run_python_module",
]

logger = logging.getLogger("bgkernel.language.interview")


def _internal() -> dict:
    ctx = current()
    if ctx.namespace is None:
        ctx.namespace = {}
    return ctx.namespace.setdefault("_internal", {})


# --- URLs -----------------------------------------------------------------------------------

def _root() -> str:
    root = str(current().config.get("url root", "http://localhost/"))
    return root if root.endswith("/") else root + "/"


def _yaml_filename() -> str | None:
    interview = current().interview
    return getattr(interview, "name", None) if interview is not None else None


# url_of() names of the web application's pages; True: the page takes the interview (i=).
_PAGES: dict[str, tuple[str, bool]] = {
    "root": ("", False), "login": ("user/sign-in", False), "signin": ("user/sign-in", False),
    "register": ("user/register", False), "profile": ("user/profile", False),
    "change_password": ("user/change-password", False), "logout": ("user/sign-out", False),
    "config": ("config", False), "leave": ("leave", False), "interview": ("interview", False),
    "flex_interview": ("interview", False), "interviews": ("interviews", False),
    "dispatch": ("list", False), "manage": ("manage", False), "playground": ("playground", False),
    "exit": ("exit", True), "exit_logout": ("exit_logout", True),
    "restart": ("restart_session", True), "new_session": ("new_session", True),
}


def _page(path: str, args: dict, external: bool) -> str:
    query = urlencode({k: v for k, v in args.items() if v is not None})
    url = ("" if not external else _root().rstrip("/")) + "/" + path
    return url + ("?" + query if query else "")


def _static_file(reference: str) -> str:
    """``pkg:data/static/x.pdf`` or ``x.pdf``: a file URI if found here, else docassemble's path."""
    package, _, name = reference.rpartition(":")
    name = name.removeprefix("data/static/")
    interview = current().interview
    base = os.path.dirname(getattr(interview, "path", None) or "") if interview else ""
    if base and not package:
        for candidate in (os.path.join(base, name), os.path.join(base, "static", name),
                          os.path.join(base, "..", "static", name)):
            if os.path.isfile(candidate):
                return Path(candidate).resolve().as_uri()
    return f"/packagestatic/{package or 'docassemble.playground'}/{name}"


def url_of(file_reference: Any, **kwargs: Any) -> str:
    """A URL for a page of the web application (``'exit'``, ``'login'`` ...) or a file."""
    if hasattr(file_reference, "url_for"):
        return file_reference.url_for(**kwargs)
    reference = str(file_reference)
    external = bool(kwargs.pop("_external", False))
    if reference.startswith(("http://", "https://", "mailto:", "/", "?")):
        if kwargs and "?" not in reference:
            return reference + "?" + urlencode(kwargs)
        return reference
    if reference == "help":
        return "javascript:daShowHelpTab()"
    if reference in _PAGES:
        path, takes_interview = _PAGES[reference]
        if takes_interview:
            kwargs.setdefault("i", _yaml_filename())
        return _page(path, kwargs, external)
    return _static_file(reference)


def interview_url(**kwargs: Any) -> str:
    """A link to this interview; to this session unless ``i=`` names another interview."""
    local = bool(kwargs.pop("local", False))
    kwargs.pop("temporary", None)
    kwargs.pop("once_temporary", None)
    kwargs.pop("style", None)
    args: dict[str, Any] = {"i": kwargs.pop("i", None) or _yaml_filename()}
    if args["i"] == _yaml_filename() and not kwargs.get("session"):
        args["session"] = current().session_id
    args.update(kwargs)
    if str(args.pop("new_session", "0")) not in ("0", "False", "None", ""):
        args.pop("session", None)
        args["new_session"] = 1
    return _page("interview", args, external=not local)


def interview_url_action(action: str, **kwargs: Any) -> str:
    """A link to this session that runs ``action`` with the other keywords as arguments."""
    controls = {key: kwargs.pop(key) for key in ("i", "session", "local", "new_session", "reset")
                if key in kwargs}
    for key in ("style", "temporary", "once_temporary", "_forget_prior"):
        kwargs.pop(key, None)
    link = interview_url(**controls)
    return link + "&" + url_action(action, **kwargs).lstrip("?")


def qr_code(text: Any, width: Any = None, alt_text: Any = None) -> str:
    """docassemble's ``[QR text, width, alt]`` markup."""
    parts = [str(text)]
    if width is not None or alt_text is not None:
        parts.append(str(width))
    if alt_text is not None:
        parts.append(str(alt_text))
    return "[QR " + ", ".join(parts) + "]"


def interview_url_as_qr(width: Any = None, alt_text: Any = None, **kwargs: Any) -> str:
    return qr_code(interview_url(**kwargs), width=width, alt_text=alt_text)


def interview_url_action_as_qr(action: str, width: Any = None, alt_text: Any = None,
                               **kwargs: Any) -> str:
    return qr_code(interview_url_action(action, **kwargs), width=width, alt_text=alt_text)


def referring_url(default: str | None = None, current: bool = False) -> str:
    """The page the user came from: none in a simulator, so the default or the exit page."""
    return default if default is not None else str(_config("exitpage", "https://docassemble.org"))


def _config(key: str, fallback: Any) -> Any:
    return current().config.get(key, fallback)


def static_image(reference: Any, width: Any = None) -> str:
    """``[FILE court.svg]`` markup for a static image (with ``, width`` if given)."""
    return f"[FILE {reference}]" if width is None else f"[FILE {reference}, {width}]"


# --- menus and buttons ------------------------------------------------------------------------

def action_menu_item(label: str, action: str, **kwargs: Any) -> dict:
    """An entry for ``menu_items``: a label and a URL that runs ``action``."""
    size = kwargs.pop("_screen_size", None)
    item = {"label": label, "url": url_action(action, **kwargs)}
    if size is not None:
        item["screen_size"] = size
    return item


_COLORS = ("primary", "secondary", "tertiary", "success", "danger", "warning", "info", "light",
           "dark", "link")


def button_link(url: str, label: str, icon: Any = None, color: str = "success", size: str = "sm",
                block: bool = False, classname: str | None = None, target: str = "") -> str:
    """A link styled as a Bootstrap button, in docassemble's markup (``btn-darevisit``)."""
    classes = "btn" + ("" if size == "md" else " btn-" + (size if size in ("sm", "lg") else "sm"))
    classes += (" btn-block" if block else "") + " btn-" + (color if color in _COLORS else "dark")
    classes += " btn-darevisit" + (" " + str(classname) if classname else "")
    icon_html = ""
    if isinstance(icon, str):
        name = icon if icon.startswith(("fa-", "fas ", "far ", "fab ")) else "fa-solid fa-" + icon
        icon_html = f'<i class="{name}"></i> '
    return f'<a {target}href="{url}" class="{classes}">{icon_html}{label}</a>'


def action_button_html(url: str, icon: str | None = None, color: str = "success",
                       size: str = "sm", block: bool = False, label: str = "Edit",
                       classname: str | None = None, new_window: Any = None,
                       id_tag: str | None = None) -> str:
    """A button linking to ``url`` (``new_window``: True, False or a target name)."""
    target = {True: 'target="_blank" ', False: 'target="_self" '}.get(new_window, "") \
        if isinstance(new_window, bool) else (f'target="{new_window}" ' if new_window else "")
    html = button_link(url, label if isinstance(label, str) else "Edit", icon=icon, color=color,
                       size=size, block=block, classname=classname, target=target)
    if id_tag is not None:
        html = html.replace(f'href="{url}"', f'href="{url}" id="{id_tag}"', 1)
    return html + " "


# --- page parts and progress ----------------------------------------------------------------------

_PARTS = ("title", "logo", "exit link", "exit label", "exit url", "pre", "post", "submit",
          "continue button label", "help label", "under", "right", "tab title", "short title",
          "short logo", "back button label", "corner back button label", "resume button label",
          "date format", "time format", "datetime format", "footer", "title url", "css class",
          "table css class", "title url opens in other window", "navigation bar html", "subtitle")


def set_parts(**kwargs: Any) -> None:
    """Set parts of the page (``title``, ``short``, ``subtitle``, ``exit_link`` ...)."""
    parts = _internal().setdefault("page parts", {})
    for key, val in kwargs.items():
        key = {"short": "short title", "tab": "tab title"}.get(key, key.replace("_", " "))
        if key in _PARTS:
            parts[key] = val


set_title = set_parts


def page_parts() -> dict:
    """What set_parts() set in this session (for the screen builder)."""
    return dict(_internal().get("page parts", {}))


def update_terms(dictionary: Any, auto: bool = False, language: str = "*") -> None:
    """Add glossary terms (``{term: definition}`` or a list of them) for this session's pages."""
    kind = "autoterms" if auto else "terms"
    terms = _internal().setdefault(kind, {}).setdefault(language, {})
    items = dictionary if isinstance(dictionary, list) else [dictionary]
    for item in items:
        if isinstance(item, dict) and "phrases" in item and "definition" in item:
            pairs = [(phrase, item["definition"]) for phrase in item["phrases"]]
        else:
            pairs = list(item.items())
        for phrase, definition in pairs:
            terms[str(phrase).lower()] = {"definition": str(definition)}


def set_progress(number: Any) -> None:
    _internal()["progress"] = number


def get_progress() -> Any:
    return _internal().get("progress")


# --- the browser and the request's language -------------------------------------------------------

@dataclass(frozen=True)
class Device:
    """What a user-agent parser says about the browser (docassemble's ``device()``)."""

    browser: str = "Firefox 128.0"
    os: str = "Linux"
    family: str = "PC"
    is_mobile: bool = False
    is_tablet: bool = False
    is_pc: bool = True
    is_touch_capable: bool = False
    is_bot: bool = False
    is_email_client: bool = False

    def __str__(self) -> str:
        return f"{self.family} / {self.os} / {self.browser}"


def device(ip: bool = False) -> Device | str:
    """The simulated browser: a desktop Firefox; with ``ip=True`` its address."""
    return "127.0.0.1" if ip else Device()


def language_from_browser(*valid: str) -> str | None:
    """None: a simulated browser sends no Accept-Language header."""
    return None


def get_language() -> str:
    ctx = current()
    return ctx.extra.get("language") or str(ctx.config.get("language", "en"))


def set_language(language: str, dialect: str | None = None, voice: str | None = None) -> None:
    """Set the language of this evaluation (interviews call it in ``initial`` code)."""
    extra = current().extra
    extra["language"] = language
    if dialect is not None:
        extra["dialect"] = dialect
    if voice is not None:
        extra["voice"] = voice


def get_dialect() -> str | None:
    return current().extra.get("dialect")


def get_voice() -> str | None:
    return current().extra.get("voice")


def set_country(country: str) -> None:
    current().extra["country"] = country


def get_country() -> str:
    """The country set_country() gave this evaluation, else the configured one (``US``)."""
    return current().extra.get("country") or configured_country()


def set_locale(*pargs: Any, **overrides: Any) -> None:
    extra = current().extra
    if len(pargs) == 1:
        extra["locale"] = pargs[0]
    if overrides:
        extra["locale overrides"] = overrides


def get_locale(*pargs: str) -> Any:
    """The locale name; with one argument, that locale convention (``currency_symbol`` ...)."""
    extra = current().extra
    if len(pargs) == 1:
        return extra.get("locale overrides", {}).get(pargs[0], _CONVENTIONS.get(pargs[0]))
    return extra.get("locale") or str(_config("locale", "en_US.utf8"))


# the conventions of en_US.utf8, as Python's locale.localeconv() gives them
_CONVENTIONS = {"currency_symbol": "$", "int_curr_symbol": "USD ", "decimal_point": ".",
                "thousands_sep": ",", "mon_decimal_point": ".", "mon_thousands_sep": ",",
                "grouping": [3, 3, 0], "mon_grouping": [3, 3, 0], "frac_digits": 2,
                "int_frac_digits": 2, "p_cs_precedes": 1, "n_cs_precedes": 1, "p_sep_by_space": 0,
                "n_sep_by_space": 0, "p_sign_posn": 1, "n_sign_posn": 1, "positive_sign": "",
                "negative_sign": "-"}


def update_locale() -> None:
    """Nothing to do: bgkernel formats numbers without the process locale."""


def language_name(code: str) -> str:
    """``en`` → ``English`` (pycountry's names)."""
    import pycountry
    found = pycountry.languages.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code})
    return found.name if found is not None else code


def get_default_timezone() -> str:
    return default_timezone()


def location_known() -> bool:
    return False


def location_returned() -> bool:
    return False


def user_lat_lon() -> tuple[None, None]:
    return None, None


# --- the session on the server ----------------------------------------------------------------

def session_tags() -> set:
    """The session's tags, first those of the ``metadata`` blocks; add or remove freely."""
    internal = _internal()
    if "tags" not in internal:
        interview = current().interview
        tags = getattr(interview, "metadata", {}).get("tags") if interview is not None else None
        internal["tags"] = set(tags) if isinstance(tags, list) else set()
    return internal["tags"]


_CAPABILITIES = ("sms", "fax", "google_login", "facebook_login", "auth0_login", "keycloak_login",
                 "authentik_login", "azure_login", "miniorange_login", "phone_login", "voicerss",
                 "s3", "azure", "github", "pypi", "googledrive", "google_maps")


def server_capabilities() -> dict[str, bool]:
    """Every feature a docassemble server may have: none is enabled in bgkernel."""
    return dict.fromkeys(_CAPABILITIES, False)


def set_live_help_status(availability: Any = None, mode: str | None = None,
                         partner_roles: Any = None) -> None:
    """Record the live-help settings; no operator ever answers in a simulator."""
    status = _internal().setdefault("livehelp", {})
    if availability in ("available", True):
        status["availability"] = "available"
    elif availability in ("unavailable", False):
        status["availability"] = "unavailable"
    elif availability == "observeonly":
        status["availability"] = "observeonly"
    if mode in ("help", "peer", "peerhelp"):
        status["mode"] = mode
    if partner_roles is not None:
        roles = [partner_roles] if isinstance(partner_roles, str) else partner_roles
        status["partner_roles"] = sorted({r for item in roles
                                          for r in (item if isinstance(item, list) else [item])})


class ChatPartners:
    """How many people could chat: ``peer`` (other users) and ``help`` (operators)."""

    def __init__(self, peer: int = 0, help: int = 0) -> None:  # noqa: A002 -- docassemble's name
        self.peer, self.help = peer, help

    def __repr__(self) -> str:
        return f"ChatPartners(peer={self.peer}, help={self.help})"


def chat_partners_available(*pargs: Any, **kwargs: Any) -> ChatPartners:
    """Nobody: the simulator has no live chat (docassemble counts the operators online)."""
    return ChatPartners()


def get_chat_log(utc: bool = False, timezone: str | None = None) -> list:
    return []


def dispatch(var: str) -> bool:
    """A menu loop: ask ``var``; while it names a variable, seek that one, then ask again."""
    if not isinstance(var, str):
        raise DAError("dispatch() must be given a string")
    while str(value(var)) != "None":
        target = value(var)
        value(target)
        undefine(target)
        undefine(var)
    undefine(var)
    return True


# --- services a docassemble server provides -------------------------------------------------------

def send_sms(to: Any = None, body: Any = None, template: Any = None, **kwargs: Any) -> bool:
    """False, as docassemble answers when no Twilio account is configured."""
    logger.info("send_sms: bgkernel has no SMS service; the message was not sent")
    return False


def _unavailable(name: str, what: str) -> Callable[..., Any]:
    def service(*pargs: Any, **kwargs: Any) -> Any:
        ensure_definition(*pargs, *kwargs.values())
        for value in pargs:     # the service would read its inputs: undefined parts are sought
            str(value)
        raise DAError(f"{name}() is not available in bgkernel: it needs {what}")
    service.__name__ = service.__qualname__ = name
    service.__doc__ = f"Not available in bgkernel (docassemble needs {what})."
    return service


send_fax = _unavailable("send_fax", "a Twilio fax account")
get_sms_session = _unavailable("get_sms_session", "a Twilio account")
initiate_sms_session = _unavailable("initiate_sms_session", "a Twilio account")
terminate_sms_session = _unavailable("terminate_sms_session", "a Twilio account")
ocr_file = _unavailable("ocr_file", "Tesseract OCR")
ocr_file_in_background = _unavailable("ocr_file_in_background", "Tesseract OCR and Celery")
read_qr = _unavailable("read_qr", "the zbar library")
overlay_pdf = _unavailable("overlay_pdf", "pdftk")
assemble_docx = _unavailable("assemble_docx", "LibreOffice")
map_of = _unavailable("map_of", "Google Maps")
interview_list = _unavailable("interview_list", "the server's list of sessions")
run_python_module = _unavailable("run_python_module", "the server's packages")
mmdc = _unavailable("mmdc", "the Mermaid command line (docassemble.base.mermaid)")
