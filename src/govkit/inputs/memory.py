"""The memory guard: refuse, before loading, what would not fit (the OS would kill govkit without a word)."""

from __future__ import annotations

import os
from pathlib import Path

from govkit.inputs.codes import coded
from govkit.inputs.files import _where

MEMORY_GUARD_ENV = "GOVKIT_MEMORY_GUARD"


def available_memory() -> int | None:
    """Bytes this process can still use: MemAvailable, capped by a cgroup limit; None when unknown."""
    available: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        return None
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit_text = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text.isdigit() and int(limit_text) < (1 << 60):
            left = max(0, int(limit_text) - usage)
            available = left if available is None else min(available, left)
        break
    return available


def memory_guard_enabled() -> bool:
    return os.environ.get(MEMORY_GUARD_ENV, "").strip().lower() not in ("off", "0", "false", "no")


def human_size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if count < 1024 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"  # pragma: no cover


def guard_file_size(path: Path, estimate: int) -> None:
    """Refuse, before reading it, a file that cannot fit in the memory left (rather than be killed)."""
    if not memory_guard_enabled():
        return
    available = available_memory()
    if available is not None and estimate > available:
        raise coded(
            "GK112",
            f"{_where(path)}: needs at least {human_size(estimate)} of memory once read, but only "
            f"{human_size(available)} is free; audit it with --engine stream (batches, bounded memory), audit a "
            f"sample of its rows, or set {MEMORY_GUARD_ENV}=off to try anyway",
        )


def guard_gzip_size(path: Path) -> None:
    """Refuse a gzip file whose inflated text would not fit, counted in a stream before it is read."""
    from govkit.inputs.estimate import inflated_size

    if not memory_guard_enabled():
        return
    available = available_memory()
    if available is not None:
        guard_file_size(path, max(path.stat().st_size, inflated_size(path, stop_after=available)))
