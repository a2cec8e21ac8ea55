"""Integers that come from outside (a URL, a query string, a form), bounded in one place.

Python's int() takes any number of digits (and "١٢", " 12", "1_2"), SQLite refuses an integer
past 2**63-1 with an OverflowError, and PostgreSQL's integer columns stop at 2**31-1: an id
of twenty nines used to end in a 500. Every integer the portal reads from a request goes
through here instead: ASCII digits only, at most ten, no more than `MAX_INT`.

- `BoundedIntConverter` is registered as the app's ``int`` converter, so every ``<int:...>``
  rule is bounded without naming it: a larger number matches no rule and is a 404.
- `int_arg` reads a query-string parameter (``?page=``, ``?before=``) and answers 404 when
  the value is not such an integer.
- `parse_int` reads one value from a form (a hidden id or version, a list of ticked ids, the
  offsets of a span) or from inside a page key, and returns None for anything else: the form
  then fails its own way (a 400, 409 or 422 page), never with a 500.
"""

from __future__ import annotations

import builtins
import re

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

# The largest value of PostgreSQL's `integer` (every id column), well inside SQLite's range.
MAX_INT = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(value: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """`value` as an int when it is 1 to 10 ASCII digits between `minimum` and `maximum`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_INT
) -> int | None:
    """The integer query-string parameter `name`: `default` when absent or empty, a 404 when
    it is not a bounded integer (there is no such page, no such record)."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    number = parse_int(raw, minimum=minimum, maximum=maximum)
    if number is None:
        abort(404)
    return number


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for every rule: ASCII digits, at most ten, at most `MAX_INT` (else a 404)."""

    regex = r"[0-9]{1,10}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_INT,
        signed: bool = False,
    ) -> None:
        if signed:
            raise ValueError("the portal's ids are never negative")
        bound = MAX_INT if max is None else builtins.min(max, MAX_INT)
        super().__init__(map, fixed_digits, min, bound)
