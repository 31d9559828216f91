"""How much memory a cached value holds, roughly: enough to bound a cache in bytes.

`sys.getsizeof` counts one object; a cached answer is a tree of them (a page of rows, a list of
slugs, a pydantic model, a body and its gzipped copy). The walk adds up every object it reaches
once and stops as soon as the total passes `limit`, so finding out that a value is too big to
cache costs no more than walking `limit` bytes of it. A long list, tuple, set or dict is
measured from an even sample of its items (rows of one page are alike), so sizing a cached
answer costs a small share of computing it."""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

_LEAVES = (str, bytes, bytearray, memoryview, int, float, bool, complex, type(None))
# Shared by every answer, not part of any: never counted or walked into.
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)
SAMPLE = 16  # items measured of a longer list or tuple


def approximate_bytes(value: Any, limit: int) -> int:
    """The bytes `value` and everything it holds take; some number over `limit` once it
    passes it (the walk stops there)."""
    return _walk(value, limit, set())


def _walk(value: Any, limit: int, seen: set[int]) -> int:
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen or isinstance(item, _SHARED):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if total > limit:
            break
        if isinstance(item, _LEAVES):
            continue
        if isinstance(item, dict):
            total += _items(item.keys(), pending, limit - total, seen)
            total += _items(item.values(), pending, limit - total, seen)
        elif isinstance(item, list | tuple | set | frozenset):
            total += _items(item, pending, limit - total, seen)
        else:
            pending.extend(_attributes(item))
    return total


def _items(items: Iterable[Any], pending: list[Any], limit: int, seen: set[int]) -> int:
    """A collection's distinct items: a few walked later (into `pending`), many extrapolated
    from SAMPLE of them spread over it (a facet's counts by value are as alike as the rows of
    a page). A sample of plain values (strings, numbers) is summed as it is: nothing to walk
    into, and walking each one cost most of sizing a filter's facet counts (issue 11)."""
    unique = list({id(x): x for x in items}.values())
    if len(unique) <= SAMPLE:
        pending.extend(unique)
        return 0
    sample = [unique[len(unique) * i // SAMPLE] for i in range(SAMPLE)]
    if all(isinstance(x, _LEAVES) for x in sample):
        measured = sum(map(sys.getsizeof, sample))
    else:
        measured = sum(_walk(x, limit, seen) for x in sample)
    return measured * len(unique) // SAMPLE


def _attributes(item: Any) -> list[Any]:
    """What an answer object holds: a pydantic or SQLModel model's fields, a dataclass's fields,
    our own classes' attributes. Library objects (an ORM instance's state, a session, an
    engine) are counted but not walked into: they are not the answer, and shared."""
    if dataclasses.is_dataclass(item):
        return [getattr(item, f.name) for f in dataclasses.fields(item)]
    if not isinstance(item, BaseModel) and not type(item).__module__.startswith("app."):
        return []
    fields = getattr(item, "__dict__", None)
    if not isinstance(fields, dict):
        return []
    return [value for name, value in fields.items() if not name.startswith("_sa_")]
