"""``RelationshipTree``: people (``leaf``) and the relationships among them, directed (a
``parent`` and a ``child`` of a ``relationship_type``) or among peers (a set of ``peers``),
queried with filters: a function of the relationship, ``involves=person`` (or a list of
people, all involved), ``key=obj`` (that very object) or ``key=value`` (equal)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import DAError
from .collections_list import DAList
from .collections_set import DASet
from .objects import DAObject

__all__ = ["RelationshipTree"]     # as docassemble.base.util exports it

Filter = Callable[[Any], bool]


class RelationshipDir(DAObject):
    """A directed relationship: ``parent``, ``child``, ``relationship_type``."""

    def involves(self, target: Any) -> bool:
        return getattr(self, "parent", None) is target or getattr(self, "child", None) is target


class RelationshipPeer(DAObject):
    """A relationship among ``peers`` (a set), of a ``relationship_type``."""

    def involves(self, target: Any) -> bool:
        return target in self.peers


def _filters(pargs: tuple, kwargs: dict) -> list[Filter]:
    found: list[Filter] = [f for f in pargs if callable(f)]
    for key, val in kwargs.items():
        if key == "involves":
            people = list(val) if isinstance(val, (list, set, DAList, DASet)) else [val]
            found.append(lambda rel, people=people: all(rel.involves(p) for p in people))
        elif isinstance(val, DAObject):
            found.append(lambda rel, key=key, val=val: getattr(rel, key) is val)
        else:
            found.append(lambda rel, key=key, val=val: getattr(rel, key) == val)
    return found


def _collection(tree: DAObject, name: str, object_type: type) -> None:
    tree.initializeAttribute(name, DAList)
    collection = getattr(tree, name)
    collection.auto_gather = False
    collection.gathered = True
    collection.object_type = object_type


class RelationshipTree(DAObject):
    """People and their relationships (see the module docstring)."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        super().init(*pargs, **kwargs)
        _collection(self, "leaf", DAObject)
        self.leaf.initializeAttribute("existing", DAList)
        _collection(self, "relationships_dir", RelationshipDir)
        _collection(self, "relationships_peer", RelationshipPeer)

    def new(self, *pargs: Any, **kwargs: Any) -> Any:
        """A new person (an object of the tree's ``leaf`` list)."""
        return self.leaf.appendObject(*pargs, **kwargs)

    def _and(self, *pargs: Any, **kwargs: Any) -> Filter:
        filters = _filters(pargs, kwargs)
        return lambda rel: all(f(rel) for f in filters)

    def _or(self, *pargs: Any, **kwargs: Any) -> Filter:
        filters = _filters(pargs, kwargs)
        return lambda rel: any(f(rel) for f in filters)

    @staticmethod
    def _query(items: DAList, pargs: tuple, kwargs: dict) -> Iterator[Any]:
        if not pargs and len(kwargs) == 1:
            test = _filters((), kwargs)[0]
        elif len(pargs) == 1 and not kwargs and callable(pargs[0]):
            test = pargs[0]
        else:
            raise DAError("Invalid RelationshipTree query")
        return (rel for rel in items if test(rel))

    def query_peer(self, *pargs: Any, **kwargs: Any) -> Iterator[Any]:
        return self._query(self.relationships_peer, pargs, kwargs)

    def query_dir(self, *pargs: Any, **kwargs: Any) -> Iterator[Any]:
        return self._query(self.relationships_dir, pargs, kwargs)

    def add_relationship_dir(self, parent: Any = None, child: Any = None,
                             relationship_type: Any = None) -> Any:
        """The directed relationship, made once."""
        for rel in self.relationships_dir:
            if rel.relationship_type == relationship_type and getattr(rel, "parent", None) is parent \
                    and getattr(rel, "child", None) is child:
                return rel
        given = {k: v for k, v in (("parent", parent), ("child", child),
                                   ("relationship_type", relationship_type)) if v is not None}
        return self.relationships_dir.appendObject(**given)

    def add_relationship_peer(self, *pargs: Any, relationship_type: Any = None) -> Any:
        """The relationship among these peers, made once."""
        peers = set(pargs)
        for rel in self.relationships_peer:
            if rel.relationship_type == relationship_type and rel.peers == peers:
                return rel
        return self.relationships_peer.appendObject(peers=peers, relationship_type=relationship_type)

    def delete_dir(self, *pargs: Any) -> None:
        self.relationships_dir.remove(*pargs)

    def delete_peer(self, *pargs: Any) -> None:
        self.relationships_peer.remove(*pargs)
