"""govkit: model governance audits of data quality, drift, fairness, explanations, performance and robustness.

The public API. Importing govkit loads no heavy library: ``audit``, ``render``, ``sign_off`` and
``verify`` import what they need when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "EngineOptions",
    "GovkitError",
    "Measurement",
    "RunResult",
    "Status",
    "Verdict",
    "__version__",
    "audit",
    "load_policy",
    "render",
    "sign_off",
    "verify",
]

if TYPE_CHECKING:
    from govkit.api import audit, render, sign_off, verify
    from govkit.engines.options import EngineOptions
    from govkit.errors import GovkitError
    from govkit.policy import load_policy
    from govkit.results import CheckResult, Measurement, RunResult, Status, Verdict

_LAZY = {
    "audit": "govkit.api",
    "render": "govkit.api",
    "sign_off": "govkit.api",
    "verify": "govkit.api",
    "load_policy": "govkit.policy",
    "EngineOptions": "govkit.engines.options",
    "GovkitError": "govkit.errors",
    "CheckResult": "govkit.results",
    "Measurement": "govkit.results",
    "RunResult": "govkit.results",
    "Status": "govkit.results",
    "Verdict": "govkit.results",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'govkit' has no attribute {name!r}")
