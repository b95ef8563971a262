"""Binds every built-in family to the ``Family`` protocol for the type checker; nothing here runs.

mypy checks a module against a protocol when the module is assigned to a name of the protocol's type,
so a family that loses ``INTRO`` or changes the signature of ``run`` fails ``make typecheck``.
tests/test_registry.py checks the same at run time, with the evidence models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govkit.families import drift, explain, fairness, performance, quality, robustness
    from govkit.registry import Family

    BUILT_IN: tuple[Family, ...] = (quality, drift, fairness, explain, performance, robustness)
