"""One pint unit registry for the package, with exact (Decimal) arithmetic; built on first use (it is slow)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pint


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    return pint.UnitRegistry(non_int_type=Decimal)


def __getattr__(name: str):
    if name == "ureg":
        return registry()
    raise AttributeError(name)
