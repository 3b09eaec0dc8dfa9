"""A block of timeline events as bytes: how the store's ``event_chunks`` table keeps a flushed
block of rows (magic, header length, a JSON header, the raw column arrays), so that a
reopened store loads a long history from a few blobs.  numpy is imported on use."""
from __future__ import annotations

import json
import struct
from array import array
from typing import Any

__all__ = ["COLUMNS", "to_arrays", "encode_block", "decode_block", "detail_text", "utf8"]

COLUMNS: tuple[str, ...] = ("session", "at", "wall", "kind", "name", "detail", "duration", "task")
_MAGIC = b"BGKCHUNK1\n"


def to_arrays(columns: Any) -> tuple[Any, ...]:
    """numpy arrays of the columns: lists are copied, sealed ``array``s are viewed."""
    import numpy as np

    return tuple(np.frombuffer(c, dtype=dt) if isinstance(c, array) and len(c)
                 else np.array(c, dtype=dt)
                 for c, dt in zip(columns, ("O", "f8", "f8", "i4", "O", "O", "f8", "O")))


_CODE_TYPES = ("<u1", "<u2", "<i4")


def encode_block(cols: tuple[Any, ...], kind_names: list[str]) -> bytes:
    """One block of rows as bytes: magic, header length, JSON header, raw arrays.

    The header holds the row count, the kind names and, for each text column, its
    distinct values (``task`` may hold null); the arrays are ``at``, ``wall`` and
    ``duration`` as little-endian float64 and, for ``kind`` and each text column, codes
    into those values as the smallest unsigned or int32 type that fits.  No pickle:
    a store from elsewhere cannot run code when loaded.
    """
    import numpy as np

    session, at, wall, kind, name, detail, duration, task = cols
    n = len(at)
    used, kind_codes = np.unique(kind, return_inverse=True)
    header: dict[str, Any] = {"n": n, "kind": [kind_names[k] for k in used.tolist()]}
    codes: dict[str, Any] = {"kind": kind_codes.reshape(-1)}
    for label, col in (("session", session), ("name", name), ("detail", detail),
                       ("task", task)):
        values = col.tolist()
        uniques = list(dict.fromkeys(values))
        for v in uniques:
            if type(v) is not str and not (v is None and label == "task"):
                raise TypeError(f"{label} value {v!r} is not a string")
        index = {v: i for i, v in enumerate(uniques)}
        header[label] = uniques
        codes[label] = np.fromiter(map(index.__getitem__, values), dtype="i4", count=n)
    arrays = [(label, "<f8", np.ascontiguousarray(col, dtype="<f8"))
              for label, col in (("at", at), ("wall", wall), ("duration", duration))]
    for label in ("kind", "session", "name", "detail", "task"):
        size = len(header[label])
        dt = _CODE_TYPES[0 if size <= 1 << 8 else 1 if size <= 1 << 16 else 2]
        arrays.append((label, dt, codes[label].astype(dt)))
    header["arrays"] = [[label, dt] for label, dt, _ in arrays]
    text = json.dumps(header, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return b"".join([_MAGIC, struct.pack("<Q", len(text)), text]
                    + [a.tobytes() for _, _, a in arrays])


def decode_block(data: bytes) -> tuple[tuple[Any, ...], list[str]]:
    """The columns of an :func:`encode_block` blob (``kind`` as codes), the kind names."""
    import numpy as np

    data = bytes(data)
    if not data.startswith(_MAGIC):
        raise ValueError("not a timeline chunk")
    offset = len(_MAGIC) + 8
    (size,) = struct.unpack_from("<Q", data, len(_MAGIC))
    header = json.loads(data[offset:offset + size].decode("utf-8"))
    offset += size
    n = int(header["n"])
    out: dict[str, Any] = {}
    for label, dt in header["arrays"]:
        dtype = np.dtype(dt)
        if dtype.kind not in "fiu":
            raise ValueError(f"unexpected dtype {dt!r} in a timeline chunk")
        arr = np.frombuffer(data, dtype=dtype, count=n, offset=offset)
        offset += n * dtype.itemsize
        if label in ("at", "wall", "duration"):
            out[label] = arr.astype("f8")   # native order, writable, not the blob's memory
        elif label == "kind":
            if n and int(arr.max()) >= len(header["kind"]):
                raise IndexError("a kind code out of range in a timeline chunk")
            out[label] = arr.astype("i4")
        else:
            values = np.empty(len(header[label]), dtype=object)
            values[:] = header[label]
            out[label] = values[arr]
    if offset != len(data):
        raise ValueError("a timeline chunk of the wrong length")
    kinds = header["kind"]
    if not all(type(k) is str for k in kinds):
        raise TypeError("kind names in a timeline chunk must be strings")
    return tuple(out[c] for c in COLUMNS), kinds


_JSON = json.JSONEncoder(default=str, ensure_ascii=False)


def detail_text(detail: Any) -> str:
    """A non-string detail as JSON text (None as "")."""
    if detail is None:
        return ""
    try:
        return _JSON.encode(detail)
    except (TypeError, ValueError):  # e.g. a circular structure
        return repr(detail)


def utf8(text: str) -> str:
    """``text``, with what UTF-8 cannot carry (lone surrogates, from an absurd answer)
    written as escapes, so the row can be stored."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
