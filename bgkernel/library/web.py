"""``DAWeb``: calling a web API from interview code, with ``requests`` as docassemble does.

Settings on the object (``base_url``, ``headers``, ``cookies``, ``auth``, ``json_body``,
``on_success``, ``on_failure``, ``success_code``, ``task``, ``task_persistent``) are the
defaults of every call; a call's own arguments win.  A successful call returns the JSON of
the reply, or its text; ``on_success``/``on_failure`` choose ``'content'``, ``'text'``,
``'status_code'``, ``'raise'`` (a :class:`DAWebError` with the whole exchange) or any value.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any

import requests

from ..errors import DAError
from .files import path_and_mimetype
from .objects import DAObject
from .performed import mark_task_as_performed

__all__ = ["DAWeb", "DAWebError"]

_METHODS = ("POST", "GET", "PATCH", "PUT", "HEAD", "DELETE", "OPTIONS")
_BODY = ("POST", "PUT", "PATCH")
_TIMEOUT = 600


class DAWebError(Exception):
    """A failed (or, with ``on_success='raise'``, a successful) call: its every detail as
    attributes (``url``, ``method``, ``status_code``, ``response_text``, ``response_json``,
    ``exception_type`` ...)."""

    def __init__(self, **kwargs: Any):
        super().__init__()
        self.__dict__.update(kwargs)

    def __str__(self) -> str:
        what = getattr(self, "exception_text", None) or f"status {getattr(self, 'status_code', '?')}"
        return f"{getattr(self, 'method', '')} {getattr(self, 'url', '')}: {what}"


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _plain(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if hasattr(value, "elements") and isinstance(value.elements, dict):
        value = value.elements
    if not isinstance(value, dict):
        raise DAError(f"DAWeb.call: the {what} must be a dictionary")
    return dict(value)


class DAWeb(DAObject):
    """A web API (see the module docstring)."""

    def _setting(self, given: Any, name: str) -> Any:
        """A call's own argument, else the object's setting (read without seeking it)."""
        return given if given is not None else self.__dict__.get(name)

    def _url(self, url: Any) -> str:
        if not isinstance(url, str):
            raise DAError("DAWeb.call: the url must be a string")
        if re.match(r"^https?://", url):
            return url
        base = self.__dict__.get("base_url")
        if not isinstance(base, str):
            raise DAError("DAWeb.call: the base url must be a string")
        return base.rstrip("/") + "/" + url.lstrip("/")

    def _auth(self, auth: Any) -> Any:
        auth = self._setting(auth, "auth")
        if hasattr(auth, "elements"):
            auth = auth.elements
        if isinstance(auth, dict):
            kind = auth.get("type", "basic")
            if kind == "basic":
                return requests.auth.HTTPBasicAuth(auth["username"], auth["password"])
            if kind == "digest":
                return requests.auth.HTTPDigestAuth(auth["username"], auth["password"])
            if kind == "bearer":
                return _Bearer(auth["token"])
        return auth

    @staticmethod
    def _codes(success_code: Any) -> list[int] | None:
        if success_code is None:
            return None
        if isinstance(success_code, str):
            return [int(success_code.strip())]
        if isinstance(success_code, int):
            return [success_code]
        if isinstance(success_code, Iterable):
            codes = list(getattr(success_code, "elements", success_code))
            if not all(isinstance(c, int) for c in codes):
                raise DAError("DAWeb.call: success codes must be integers")
            return codes
        raise DAError("DAWeb.call: success_code must be an integer or a list of integers")

    def _call(self, url: Any, method: str = "GET", data: Any = None, params: Any = None,
              headers: Any = None, json_body: Any = None, on_failure: Any = None,
              on_success: Any = None, auth: Any = None, task: Any = None,
              task_persistent: Any = None, files: Any = None, cookies: Any = None,
              success_code: Any = None) -> Any:
        method = str(method).upper().strip()
        if method not in _METHODS:
            raise DAError("DAWeb.call: invalid method")
        task = self._setting(task, "task")
        if task is not None and not isinstance(task, str):
            raise DAError("DAWeb.call: task must be a string")
        persistent = self._setting(task_persistent, "task_persistent") or False
        json_body = self._setting(json_body, "json_body")
        json_body = True if json_body is None else bool(json_body)
        on_failure = self._setting(on_failure, "on_failure")
        on_success = self._setting(on_success, "on_success")
        codes = self._codes(self._setting(success_code, "success_code"))
        full_url = self._url(url)
        body = data.elements if hasattr(data, "elements") else data
        query = _plain(params, "params")
        sent_headers = {**_plain(self.__dict__.get("headers"), "headers"), **_plain(headers, "headers")}
        sent_cookies = {**_plain(self.__dict__.get("cookies"), "cookies"), **_plain(cookies, "cookies")}
        if method not in _BODY and not query:         # GET and friends: data is the query
            query, body = (body if isinstance(body, dict) else {}), None
        if isinstance(body, dict) and not body:
            body = None
        exchange = dict(url=full_url, method=method, params=query, headers=sent_headers,
                        data=body, task=task, task_persistent=persistent,
                        cookies_before=sent_cookies or None)
        with ExitStack() as stack:
            uploads = None
            if files:
                uploads = {}
                for key, ref in _plain(files, "files").items():
                    path = path_and_mimetype(ref)[0]
                    if path is None:
                        raise DAError("DAWeb.call: could not load the file")
                    uploads[key] = stack.enter_context(open(path, "rb"))
                json_body = False
            body_args = ({"json": body} if json_body else {"data": body}) if method in _BODY else {}
            try:
                reply = requests.request(method, full_url, params=query or None,
                                         headers=sent_headers or None, auth=self._auth(auth),
                                         cookies=sent_cookies or None, files=uploads,
                                         timeout=_TIMEOUT, **body_args)
            except requests.RequestException as err:
                if on_failure == "raise":
                    raise DAWebError(**exchange, status_code=-1, response_text="",
                                     response_json=None, response_headers={},
                                     exception_type=type(err).__name__, exception_text=str(err),
                                     cookies_after=None) from err
                return on_failure
        success = reply.status_code in codes if codes is not None else 200 <= reply.status_code < 300
        if "cookies" in self.__dict__:
            self.cookies = dict(reply.cookies)
        try:
            decoded = reply.json()
        except ValueError:
            decoded = None
        if success and task is not None:
            mark_task_as_performed(task, persistent=persistent)
        choice = on_success if success else on_failure
        if choice is None and success:
            return decoded if decoded is not None else reply.text
        if choice == "content":
            return reply.content
        if choice == "text":
            return reply.text
        if choice == "status_code":
            return reply.status_code
        if choice == "raise":
            raise DAWebError(**exchange, status_code=reply.status_code, response_text=reply.text,
                             response_json=decoded, response_headers=dict(reply.headers),
                             exception_type=None, exception_text=None,
                             cookies_after=dict(reply.cookies), success=success)
        return choice

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="GET", **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="POST", **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="PUT", **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="PATCH", **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="DELETE", **kwargs)

    def options(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="OPTIONS", **kwargs)

    def head(self, url: str, **kwargs: Any) -> Any:
        return self._call(url, method="HEAD", **kwargs)
