"""The simulator's users: who may log in, with their names and privileges, kept in the store
(``kv`` keys ``user:<id>``), so that ``Simulator.start(user=...)``, ``sim.join`` and the
interview's ``create_user()``/``get_user_info()``/``set_user_info()`` agree.

An e-mail address names a user: its id is the one ``Simulator.start(user=email)`` has always
given it.  Passwords are kept as salted hashes, only to answer ``get_user_secret``.
"""
from __future__ import annotations

import hashlib
import json
import os
import zlib
from typing import Any

from ..errors import DAError

__all__ = ["Users", "DEFAULT_PRIVILEGES", "user_id_for"]

DEFAULT_PRIVILEGES = ("admin", "advocate", "cron", "customer", "developer", "trainer", "user")
_FIELDS = ("first_name", "last_name", "country", "subdivisionfirst", "subdivisionsecond",
           "subdivisionthird", "organization", "timezone", "language")


def user_id_for(email: str) -> int:
    """The id of the user with this e-mail address."""
    return zlib.crc32(email.encode()) % 10**6      # as Simulator.start(user=email) numbers it


class Users:
    """The users table of one store."""

    def __init__(self, store: Any):
        self.store = store

    # --- reading ---------------------------------------------------------------------------

    def get(self, user_id: int | None = None, email: str | None = None) -> dict | None:
        if user_id is None and email is not None:
            user_id = user_id_for(email)
        if user_id is None:
            return None
        raw = self.store.kv_get(f"user:{int(user_id)}")
        return json.loads(raw) if raw is not None else None

    def info(self, user_id: int | None = None, email: str | None = None) -> dict | None:
        """docassemble's ``get_user_info`` dict (no password)."""
        found = self.get(user_id, email)
        if found is None:
            return None
        return {k: v for k, v in found.items() if k != "password"}

    def all(self, include_inactive: bool = False) -> list[dict]:
        rows = [json.loads(self.store.kv_get(f"user:{key}")) for key in self.store.kv_keys("user:")]
        rows = [r for r in rows if include_inactive or r.get("active", True)]
        return [{k: v for k, v in r.items() if k != "password"}
                for r in sorted(rows, key=lambda r: r["id"])]

    # --- writing ---------------------------------------------------------------------------

    def _save(self, record: dict) -> None:
        self.store.kv_set(f"user:{record['id']}", json.dumps(record).encode())

    def ensure(self, email: str, roles: tuple[str, ...] = ("user",), **fields: Any) -> dict:
        """The user of this address, registered on first sight (as a first login does)."""
        found = self.get(email=email)
        if found is not None:
            return found
        record = {"id": user_id_for(email), "email": email.strip(), "privileges": list(roles),
                  "active": True, "account_type": "local", "password": None}
        record.update({key: fields.get(key, "") for key in _FIELDS})
        self._save(record)
        return record

    def create(self, email: str, password: str, privileges: Any = None,
               info: dict | None = None) -> int:
        """``create_user``: a new active user; its id."""
        email = str(email).strip()
        password = str(password).strip()
        if not 4 <= len(password) <= 254:
            raise DAError("create_user: password too short or too long")
        if self.get(email=email) is not None:
            raise DAError("create_user: that e-mail address is already being used")
        if privileges is None:
            privileges = []
        if isinstance(privileges, str):
            privileges = [privileges]
        known = self.privileges()
        roles = [p for p in privileges if p in known and p != "cron"] or ["user"]
        record = self.ensure(email, tuple(roles), **dict(info or {}))
        record["password"] = _hash(password)
        self._save(record)
        return record["id"]

    def update(self, user_id: int | None, email: str | None, **changes: Any) -> dict:
        """``set_user_info``: names, place, language, password, active, privileges."""
        record = self.get(user_id, email)
        if record is None:
            raise DAError("set_user_info: user not found")
        for key in _FIELDS:
            if key in changes:
                record[key] = changes[key]
        if "password" in changes:
            record["password"] = _hash(str(changes["password"]))
        if "active" in changes:
            if not isinstance(changes["active"], bool):
                raise DAError("set_user_info: active must be True or False")
            record["active"] = changes["active"]
        if "privileges" in changes and isinstance(changes["privileges"], (list, tuple, set)):
            if not changes["privileges"]:
                raise DAError("set_user_info: cannot remove all of a user's privileges")
            record["privileges"] = list(changes["privileges"])
        self._save(record)
        return record

    def secret(self, email: str, password: str) -> str:
        """``get_user_secret``: a key derived from the user's password (checked)."""
        record = self.get(email=email)
        if record is None or record.get("password") != _hash(str(password), record["password"]):
            raise DAError("get_user_secret: wrong user name or password")
        return hashlib.sha256(f"{record['id']}:{password}".encode()).hexdigest()[:16]

    # --- privileges ------------------------------------------------------------------------

    def privileges(self) -> list[str]:
        raw = self.store.kv_get("privileges")
        return sorted(json.loads(raw)) if raw is not None else list(DEFAULT_PRIVILEGES)

    def manage(self, command: str, names: list[str]) -> Any:
        """``manage_privileges``: ``list``, ``inspect``, ``add``, ``remove``."""
        current = self.privileges()
        if command == "list":
            return current
        if command == "inspect":
            if len(names) != 1:
                raise DAError("manage_privileges: invalid number of arguments")
            return []          # permissions of a privilege: the simulator grants none
        if command not in ("add", "remove"):
            raise DAError("manage_privileges: invalid command")
        for name in names:
            if command == "add" and name not in current:
                current.append(name)
            elif command == "remove":
                if name in DEFAULT_PRIVILEGES:
                    raise DAError(f"manage_privileges: {name} cannot be removed")
                if name in current:
                    current.remove(name)
        self.store.kv_set("privileges", json.dumps(current).encode())
        return True if names else None


def _hash(password: str, stored: str | None = None) -> str:
    salt = bytes.fromhex(stored.split("$", 1)[0]) if stored else os.urandom(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 50_000).hex()
    return f"{salt.hex()}${digest}"
