"""docassemble's file objects: DAFile, DAFileList, DAFileCollection, DAStaticFile.

A DAFile's content lives on disk at ``<files_dir>/<number>/<filename>``, where
``files_dir`` is :func:`bgkernel.library.context.files_dir` of the session that created it and
``number`` is an integer unique within that folder.  The object pickles only its
attributes (number, filename, extension, mimetype, and the absolute path at creation);
after unpickling it finds its content at that path, or, if the folder has moved, under the
running session's ``files_dir``.
"""
from __future__ import annotations

import mimetypes
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ..errors import DAError
from ..language.packages import package_of, template_file
from .collections_list import DAList
from .context import current, files_dir
from .objects import _INTERNAL_FILES, DAObject

__all__ = ["DAFile", "DAFileList", "DAFileCollection", "DAStaticFile", "file_path",
           "ext_and_mimetype", "path_and_mimetype"]

_INTERNAL_FILES.add(__file__)

_EXTRA_TYPES = {"md": "text/markdown", "markdown": "text/markdown", "yml": "text/yaml",
                "yaml": "text/yaml", "docx": "application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document", "json": "application/json"}
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml")


def ext_and_mimetype(filename: str) -> tuple[str, str]:
    """``('pdf', 'application/pdf')`` for ``x.PDF``; unknown types are octet-stream."""
    extension = Path(filename).suffix.lstrip(".").lower()
    extension = {"jpeg": "jpg", "tiff": "tif"}.get(extension, extension)
    mimetype = _EXTRA_TYPES.get(extension) or mimetypes.guess_type("f." + extension)[0]
    return extension, mimetype or "application/octet-stream"


def _safe_filename(filename: str) -> str:
    name = re.sub(r"[^\w.\- ]", "_", os.path.basename(str(filename).replace("\\", "/")))
    return name.strip(" .") or "file.txt"


def _new_number(folder: str) -> int:
    """Create ``folder/<n>`` for the next free integer n and return n."""
    taken = [int(name) for name in os.listdir(folder) if name.isdigit()]
    number = max(taken, default=0) + 1
    while True:
        try:
            os.mkdir(os.path.join(folder, str(number)))
            return number
        except FileExistsError:
            number += 1


def file_path(number: int | str) -> str | None:
    """The path of file ``number`` in the running session's files_dir (``[FILE n]``)."""
    folder = os.path.join(files_dir(), str(number))
    if not os.path.isdir(folder):
        return None
    names = sorted(os.listdir(folder))
    return os.path.join(folder, names[0]) if names else None


class DAFile(DAObject):
    """A file the interview writes or receives; ``initialize()`` allocates it on disk."""

    def init(self, *pargs, **kwargs) -> None:
        self.has_specific_filename = "filename" in kwargs
        self.ok = "number" in kwargs
        if self.ok:
            self.initialized = True
        super().init(*pargs, **kwargs)

    def initialize(self, filename: str | None = None, extension: str | None = None,
                   mimetype: str | None = None, reinitialize: bool = False, **kwargs) -> DAFile:
        """Give the file a number and an (empty) file on disk, unless it has one."""
        if reinitialize and self.ok:
            self.delattr("number", "filename", "extension", "mimetype", "_path", "initialized")
            self.ok = False
            self.has_specific_filename = False
        old_path = self._locate() if "number" in self.__dict__ and "filename" in self.__dict__ else None
        if filename:
            self.filename = filename
            self.has_specific_filename = True
        for key, value in {"extension": extension, "mimetype": mimetype, **kwargs}.items():
            if value is not None:
                setattr(self, key, value)
        if "filename" not in self.__dict__:
            self.filename = "file." + self.__dict__.get("extension", "txt")
        self.filename = _safe_filename(self.filename)
        guessed_extension, guessed_type = ext_and_mimetype(self.filename)
        self.__dict__.setdefault("extension", guessed_extension)
        self.__dict__.setdefault("mimetype", guessed_type)
        if "number" not in self.__dict__:
            folder = files_dir()
            self.number = _new_number(folder)
            self._path = os.path.join(folder, str(self.number), self.filename)
        elif old_path is not None and os.path.basename(old_path) != self.filename:
            self._path = os.path.join(os.path.dirname(old_path), self.filename)
            if os.path.exists(old_path):
                os.replace(old_path, self._path)
        path = self._locate()
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Path(path).touch()
        self.ok = True
        self.initialized = True
        return self

    def _locate(self) -> str:
        stored = self.__dict__.get("_path")
        if stored and os.path.exists(stored):
            return stored
        return os.path.join(files_dir(), str(self.number), self.filename)

    def retrieve(self) -> None:
        """Make sure the file exists on disk (initializing it when it was never set up)."""
        if not self.ok:
            self.initialize()
        if "number" not in self.__dict__:
            raise DAError("Cannot retrieve a file without a file number.")
        if not os.path.exists(self._locate()):
            raise DAError(f"Could not retrieve file {self.number} ({self._locate()})")

    def path(self) -> str:
        """The file's path on disk; a file never initialized asks ``<name>.initialized``."""
        if not self.ok:
            self.initialized  # noqa: B018 -- sought like any attribute
        self.retrieve()
        return self._locate()

    def exists(self) -> bool:
        return bool(self.ok) and "number" in self.__dict__ and os.path.exists(self._locate())

    def write(self, content: str | bytes, binary: bool | None = None) -> None:
        self.retrieve()
        binary = isinstance(content, bytes) if binary is None else binary
        if binary:
            Path(self._locate()).write_bytes(content)
        else:
            Path(self._locate()).write_text(content, encoding="utf-8")

    def slurp(self, auto_decode: bool = True) -> str | bytes:
        """The content: text for text types (when ``auto_decode``), else bytes."""
        data = Path(self.path()).read_bytes()
        mimetype = str(self.__dict__.get("mimetype", ""))
        if auto_decode and (mimetype.startswith("text") or mimetype in _TEXT_TYPES):
            return data.decode("utf-8")
        return data

    def readlines(self) -> list[str]:
        with open(self.path(), encoding="utf-8") as handle:
            return handle.readlines()

    def copy_into(self, other: Any) -> None:
        """Replace this file's content with that of ``other`` (a file object or a path)."""
        source = other.path() if hasattr(other, "path") and callable(other.path) else str(other)
        self.retrieve()
        shutil.copyfile(source, self._locate())

    def size_in_bytes(self) -> int:
        return os.path.getsize(self.path())

    def num_pages(self) -> int:
        """Pages of a PDF, else 1 (as for a PDF not yet written)."""
        if self.__dict__.get("mimetype") != "application/pdf":
            return 1
        from pypdf import PdfReader  # noqa: PLC0415 -- only PDFs need it

        path = self.path()
        return len(PdfReader(path).pages) if os.path.getsize(path) else 1

    def url_for(self, **kwargs) -> str:
        return Path(self.path()).resolve().as_uri()

    def set_mimetype(self, mimetype: str) -> None:
        self.mimetype = mimetype
        if mimetype == "image/jpeg":
            self.extension = "jpg"

    def show(self, width: Any = None, alt_text: str | None = None) -> str:
        """Text content for text files, else docassemble's ``[FILE n, width, alt]`` markup."""
        if not self.ok:
            if "content" in self.__dict__:
                return ""
            self.initialized  # noqa: B018
            self.retrieve()
        if self.__dict__.get("mimetype") in ("text/plain", "text/markdown"):
            return str(self.slurp())
        alt = alt_text if alt_text is not None else self.__dict__.get("alt_text")
        alt = re.sub(r"\]", "", str(alt)) if alt is not None else "None"
        return f"[FILE {self.number}, {width if width is not None else 'None'}, {alt}]"

    def __str__(self) -> str:
        return str(self.show())


class DAFileList(DAList):
    """A list of DAFile (what upload fields produce); file methods act on the first."""

    def init(self, *pargs, **kwargs) -> None:
        kwargs.setdefault("object_type", DAFile)
        kwargs.setdefault("complete_attribute", "initialized")
        super().init(*pargs, **kwargs)

    def _first(self) -> DAFile:
        if not self.elements:
            raise DAError(f"{self.instanceName} has no files")
        return self.elements[0]

    def path(self) -> str | None:
        return self.elements[0].path() if self.elements else None

    def slurp(self, auto_decode: bool = True):
        return self._first().slurp(auto_decode=auto_decode)

    def size_in_bytes(self) -> int:
        return self._first().size_in_bytes()

    def url_for(self, **kwargs) -> str:
        return self._first().url_for(**kwargs)

    def num_pages(self) -> int:
        return sum(item.num_pages() for item in self.elements)

    def show(self, width: Any = None, alt_text: str | None = None) -> str:
        return "".join(item.show(width=width, alt_text=alt_text) for item in self.elements if item.ok)

    def __str__(self) -> str:
        return self.show()


class DAFileCollection(DAObject):
    """An attachment in several formats: ``.pdf``, ``.docx``, ``.md``... each a DAFile."""

    DEFAULT_FORMATS = ("pdf", "docx", "rtf", "md", "txt", "html")

    def init(self, *pargs, **kwargs) -> None:
        self.info: dict = {}
        super().init(*pargs, **kwargs)

    def _extension_list(self) -> list[str]:
        if "formats" in self.info:
            return [ext for ext in self.info["formats"] if ext != "html"] or list(self.info["formats"])
        return list(self.DEFAULT_FORMATS)

    def _first_file(self) -> DAFile | None:
        for ext in self._extension_list():
            if ext in self.__dict__:
                return self.__dict__[ext]
        return None

    def path(self) -> str | None:
        first = self._first_file()
        return first.path() if first is not None else None

    def url_for(self, **kwargs) -> str | None:
        first = self._first_file()
        return first.url_for(**kwargs) if first is not None else None

    def num_pages(self) -> int:
        first = self.__dict__.get("pdf") or self._first_file()
        return first.num_pages() if first is not None else 0

    def show(self, **kwargs) -> str:
        return " ".join(self.__dict__[ext].show(**kwargs) for ext in self._extension_list()
                        if ext in self.__dict__)

    def __str__(self) -> str:
        return str(self._first_file())


class DAStaticFile(DAObject):
    """A file shipped with the interview: ``filename`` names it as docassemble does
    (``package:data/static/x.png``, a name in the interview's package's ``data/static``, a
    path beside the interview file, or an absolute path)."""

    def init(self, *pargs, **kwargs) -> None:
        if "package" not in kwargs:
            interview = getattr(_current_or_none(), "interview", None)
            path = getattr(interview, "path", None)
            found = package_of(os.path.dirname(os.path.abspath(path))) if path else None
            if found is not None:
                kwargs["package"] = found[0]
            self.__dict__["_interview_file"] = path
        super().init(*pargs, **kwargs)

    def _populate(self) -> None:
        if "extension" not in self.__dict__ or "mimetype" not in self.__dict__:
            extension, mimetype = ext_and_mimetype(self.filename)
            self.__dict__.setdefault("extension", extension)
            self.__dict__.setdefault("mimetype", mimetype)

    def _reference(self) -> str:
        """``package:data/static/name`` for a bare name of a packaged interview."""
        name, package = str(self.filename), self.__dict__.get("package")
        if ":" in name or not package or os.path.isabs(name):
            return name
        return f"{package}:{'' if '/' in name else 'data/static/'}{name}"

    def path(self) -> str:
        found = template_file(self._reference(), self.__dict__.get("_interview_file"), "static")
        if found is None and os.path.exists(str(self.filename)):
            found = str(self.filename)
        if found is None:
            raise DAError(f"Static file {self.filename} not found")
        return os.path.abspath(found)

    def slurp(self, auto_decode: bool = True) -> str | bytes:
        self._populate()
        data = Path(self.path()).read_bytes()
        if auto_decode and (self.mimetype.startswith("text") or self.mimetype in _TEXT_TYPES):
            return data.decode("utf-8")
        return data

    def url_for(self, **kwargs) -> str:
        return Path(self.path()).as_uri()

    def show(self, width: Any = None, alt_text: str | None = None) -> str:
        return (f"[FILE {self._reference()}, {width if width is not None else 'None'}, "
                f"{alt_text or 'None'}]")

    def __str__(self) -> str:
        return self.show()


def _current_or_none() -> Any:
    try:
        return current()
    except Exception:  # noqa: BLE001 -- made outside an interview run
        return None


def path_and_mimetype(file_ref: Any) -> tuple[str | None, str | None]:
    """(path, MIME type) of a file object (a list's or collection's first file), or of a
    file named by path; ``(None, None)`` when there is none."""
    if isinstance(file_ref, DAFileList):
        file_ref = file_ref.elements[0] if file_ref.elements else None
    elif isinstance(file_ref, DAFileCollection):
        file_ref = file_ref._first_file()
    if isinstance(file_ref, DAStaticFile):
        return file_ref.path(), ext_and_mimetype(str(file_ref.filename))[1]
    if isinstance(file_ref, DAFile):
        return file_ref.path(), getattr(file_ref, "mimetype", None)
    if isinstance(file_ref, str):
        path = os.path.abspath(file_ref.split(":", 1)[-1])
        return (path, ext_and_mimetype(path)[1]) if os.path.exists(path) else (None, None)
    return None, None
