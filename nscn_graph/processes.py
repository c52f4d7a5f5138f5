"""What Linux says about a process's memory (``/proc/PID/status``)."""

from __future__ import annotations

import os


def status_kb(pid: int | None, field: str) -> int:
    """A ``kB`` field of ``/proc/PID/status`` (this process's when ``pid`` is ``None``; 0 where
    there is none, as on systems without ``/proc``)."""
    try:
        with open(f"/proc/{os.getpid() if pid is None else pid}/status", "rb") as status:
            for line in status:
                if line.startswith(field.encode() + b":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
