"""Per-executor-process cache for objects that are costly to rebuild per batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_objects: dict[Any, Any] = {}


def cached(key: Any, build: Callable[[], Any]) -> Any:
    if key not in _objects:
        if len(_objects) > 32:
            _objects.clear()
        _objects[key] = build()
    return _objects[key]
