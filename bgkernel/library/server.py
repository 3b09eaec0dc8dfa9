"""What interview code asks of the server around it: other sessions (``create_session``,
``get_session_variables`` ...), data kept apart (``stash_data``, ``store_variables_snapshot``),
and the server's users (``create_user``, ``get_user_info``, ``manage_privileges`` ...).

The simulator is the server: these reach it through ``ctx.services`` (the ``sessions`` and
``users`` operations of :class:`bgkernel.library.context.Services`).  docassemble's rules
are kept: the current session is not "another session", and only an admin may create users
or read and change other users.
"""
from __future__ import annotations

from typing import Any

from ..errors import DAError
from .context import current, services

__all__ = ["create_session", "get_session_variables", "set_session_variables",
           "run_action_in_session", "go_back_in_session", "get_question_data",
           "store_variables_snapshot", "stash_data", "retrieve_stashed_data", "interview_menu",
           "create_user", "get_user_info", "set_user_info", "get_user_list", "manage_privileges",
           "invite_user", "get_user_secret"]

_ADMIN = ("admin",)


def _sessions(op: str, **kwargs: Any) -> Any:
    return services().sessions(current(), op, **kwargs)


def _users(op: str, **kwargs: Any) -> Any:
    return services().users(current(), op, **kwargs)


# --- other sessions -----------------------------------------------------------------------

def create_session(yaml_filename: str, secret: str | None = None, url_args: dict | None = None) -> str:
    """A new session of the interview ``yaml_filename`` (run to its first screen); its id."""
    return _sessions("create", filename=yaml_filename, url_args=url_args)


def get_session_variables(yaml_filename: str, session_id: str, secret: str | None = None,
                          simplify: bool = True) -> dict:
    return _sessions("variables", filename=yaml_filename, session_id=session_id, simplify=simplify)


def set_session_variables(yaml_filename: str, session_id: str, variables: dict,
                          secret: str | None = None, question_name: str | None = None,
                          overwrite: bool = False, process_objects: bool = False,
                          delete: Any = None) -> None:
    _sessions("set_variables", filename=yaml_filename, session_id=session_id, values=variables,
              question_name=question_name, overwrite=overwrite, process_objects=process_objects,
              delete=delete)


def run_action_in_session(yaml_filename: str, session_id: str, action: str,
                          arguments: dict | None = None, secret: str | None = None,
                          persistent: bool = False, overwrite: bool = False,
                          read_only: bool = False) -> bool:
    return _sessions("run_action", filename=yaml_filename, session_id=session_id, action=action,
                     arguments=arguments)


def go_back_in_session(yaml_filename: str, session_id: str, secret: str | None = None) -> None:
    _sessions("go_back", filename=yaml_filename, session_id=session_id)


def get_question_data(yaml_filename: str, session_id: str, secret: str | None = None) -> dict:
    return _sessions("question_data", filename=yaml_filename, session_id=session_id)


def store_variables_snapshot(data: Any = None, include_internal: bool = False,
                             key: str | None = None, persistent: bool = False) -> None:
    _sessions("snapshot", data=data, include_internal=include_internal, key=key)


def stash_data(data: Any, expire: Any = None) -> tuple[str, str]:
    return _sessions("stash", data=data, expire=expire)


def retrieve_stashed_data(stash_key: str, secret: str, delete: bool = False,
                          refresh: Any = False) -> Any:
    return _sessions("retrieve_stash", key=stash_key, secret=secret, delete=delete,
                     refresh=refresh)


def interview_menu(*pargs: Any, **kwargs: Any) -> list[dict]:
    return _sessions("menu")


# --- users ----------------------------------------------------------------------------------

def _is(*roles: str) -> bool:
    user = current().user
    return user.logged_in and any(role in user.roles for role in roles)


def _self(user_id: Any, email: Any) -> bool:
    user = current().user
    return (user_id is None and email is None) or (user_id is not None and user_id == user.id) \
        or (email is not None and email == user.email)


def create_user(email: str, password: str, privileges: Any = None, info: Any = None) -> int:
    if not _is(*_ADMIN):
        raise DAError("You do not have sufficient privileges to create a user")
    if hasattr(privileges, "elements"):
        privileges = list(privileges.elements)
    if hasattr(info, "elements"):
        info = dict(info.elements)
    if info is not None and not isinstance(info, dict):
        raise DAError("The info parameter to create_user() must be a dictionary.")
    return _users("create", email=email, password=password, privileges=privileges, info=info)


def get_user_info(user_id: int | None = None, email: str | None = None) -> dict | None:
    user = current().user
    if user_id is None and email is None:
        if not user.logged_in:
            return None
        user_id = user.id
    if not _self(user_id, email) and not _is("admin", "advocate"):
        raise DAError("You do not have sufficient privileges to access information about other users")
    return _users("info", user_id=user_id, email=email)


def set_user_info(**kwargs: Any) -> None:
    user_id, email = kwargs.pop("user_id", None), kwargs.pop("email", None)
    ctx = current()
    mine = _self(user_id, email)
    if not mine and not _is(*_ADMIN):
        raise DAError("You do not have sufficient privileges to edit user information")
    if user_id is None and email is None:
        if not ctx.user.logged_in:
            raise DAError("set_user_info: nobody is logged in")
        user_id = ctx.user.id
    _users("update", user_id=user_id, email=email, **kwargs)
    if mine:                               # the running session sees its user's new details
        for key in ("first_name", "last_name", "country", "subdivisionfirst", "subdivisionsecond",
                    "subdivisionthird", "organization", "language"):
            if key in kwargs:
                setattr(ctx.user, key, kwargs[key])
        if isinstance(kwargs.get("privileges"), (list, tuple)) and kwargs["privileges"]:
            ctx.user.roles = tuple(kwargs["privileges"])


def get_user_list(include_inactive: bool = False, next_id: Any = None) -> tuple | None:
    if not current().user.logged_in:
        return None
    return _users("list", include_inactive=include_inactive), None


def manage_privileges(*pargs: Any) -> Any:
    if not current().user.logged_in:
        return None
    args = list(pargs)
    command = args.pop(0) if args else "list"
    return _users("privileges", command=command, names=[str(a) for a in args])


def invite_user(email_address: str, privilege: str | None = None, send: bool = True) -> str | None:
    if not _is("admin", "advocate"):
        raise DAError("You do not have sufficient privileges to invite a user")
    return _users("invite", email_address=email_address, privilege=privilege, send=send)


def get_user_secret(username: str, password: str) -> str:
    return _users("secret", email=username, password=password)
