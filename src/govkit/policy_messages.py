"""The text of policy and config errors: located, and never an echo of large or foreign content.

A policy or config file may hold anything, including a megabyte in one value or a token copied from
another file. Every value an error quotes goes through ``shown`` or ``quoted``: cut to ``VALUE_LIMIT``
characters (ending in an ellipsis) with control, bidi and zero-width characters shown as escapes, so an
error stays one short line that cannot leak a file, flood a CI log or reorder what a reader sees.
"""

from __future__ import annotations

import difflib
import reprlib
from typing import Any

from pydantic import BaseModel, ValidationError

from govkit.attestation import printable

__all__ = ["VALUE_LIMIT", "did_you_mean", "format_location", "quoted", "shown", "validation_messages"]

# How much of one value an error may quote; messages written by a validator get a little more room.
VALUE_LIMIT = 60
MESSAGE_LIMIT = 200
_ELLIPSIS = "…"


def shown(text: str, limit: int = VALUE_LIMIT) -> str:
    """``text`` escaped (``printable``) and cut to at most ``limit`` characters, ending in an ellipsis."""
    head = printable(text[: limit + 1])
    if len(head) <= limit and len(text) <= limit:
        return head
    pieces: list[str] = []
    size = 0
    for char in text[:limit]:
        piece = printable(char)
        if size + len(piece) > limit - len(_ELLIPSIS):
            break
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces) + _ELLIPSIS


def quoted(value: object) -> str:
    """A value as an error quotes it: a string in single quotes, anything else as a short repr."""
    if isinstance(value, str):
        return f"'{shown(value)}'"
    return shown(reprlib.repr(value))


def format_location(loc: tuple[Any, ...]) -> str:
    """``('checks', 2, 'fail_if')`` -> ``checks[2].fail_if``; each key escaped and cut."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{shown(str(part))}" if text else shown(str(part))
    return text or "(top level)"


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` when one of ``choices`` is close to ``word``, else nothing."""
    close = difflib.get_close_matches(word[: VALUE_LIMIT * 2], choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The allowed keys at ``loc`` of ``model``, for did-you-mean hints on unknown keys."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field_info = current.model_fields.get(part)
        if field_info is None:
            return []
        annotation = field_info.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return list(current.model_fields) if current is not None else []


def _foreign(message: str, value: Any) -> str:
    """A message a validator wrote: the value it may quote is cut and escaped, and the whole stays short."""
    if isinstance(value, str) and len(value) > VALUE_LIMIT:
        message = message.replace(repr(value), quoted(value)).replace(value, shown(value))
    return shown(message, MESSAGE_LIMIT)


def validation_messages(error: ValidationError, model: type[BaseModel], prefix: tuple[Any, ...] = ()) -> list[str]:
    """Turn a pydantic error into ``location: problem (fix)`` lines, quoting values cut and escaped."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        kind = item["type"]
        where = format_location(prefix + loc)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _model_fields(model, loc[:-1])
            hint = did_you_mean(key, allowed) or (f" (allowed: {', '.join(allowed)})" if allowed else "")
            lines.append(f"{where}: unknown key {quoted(key)}{hint}")
        elif kind == "missing":
            lines.append(f"{where}: required key is missing")
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            lines.append(f"{where}: {quoted(item['input'])} is not allowed (use {expected})")
        elif kind == "value_error":
            message = str(item.get("ctx", {}).get("error", item["msg"]))
            lines.append(f"{where}: {_foreign(message, item.get('input'))}")
        else:
            lines.append(f"{where}: {_foreign(item['msg'].lower(), item.get('input'))}")
    return lines
