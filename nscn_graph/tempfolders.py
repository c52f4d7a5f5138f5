"""Temporary folders owned by the process that made them: removed when it exits (never by the
processes forked from it), and swept at the next start when that process was killed."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def owned_folder(prefix: str) -> Path:
    """A new folder ``{tmp}/{prefix}{pid}-XXXX``, removed when this process exits. Folders of
    the same prefix whose process is gone are removed first."""
    sweep(prefix)
    owner = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{owner}-"))
    atexit.register(_remove_if_owner, folder, owner)
    return folder


def sweep(prefix: str) -> None:
    for folder in Path(tempfile.gettempdir()).glob(prefix + "*-*"):
        pid = folder.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _remove_if_owner(folder: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
