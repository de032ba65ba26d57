"""Which process wrote a file: a process id plus its OS start time, so a reused pid is not
mistaken for the writer (used for temp files of atomic saves and for recovery copies)."""

from __future__ import annotations

import os
from pathlib import Path


def process_start_token(pid: int) -> str | None:
    """The OS start time of process ``pid`` (Linux ``/proc``), None when unknown or a zombie.

    Together with the pid it identifies one process: a reused pid has another start time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name may contain spaces and ')'
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]  # field 22 of proc(5), "starttime"


def _windows_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def process_running(pid: int, start_token: str | None) -> bool:
    """Whether the process (pid + start token) still runs; when unsure: yes."""
    if pid <= 0:
        return False
    if os.name == "nt":
        if not _windows_alive(pid):
            return False
    else:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # exists, owned by someone else: only the start time can tell
    if start_token is not None and os.path.isdir("/proc"):
        # Linux: a missing token now means a zombie (gone); a different one, a reused pid.
        return process_start_token(pid) == start_token
    return True


_own_token: tuple[int, str] | None = None


def own_token() -> str:
    """This process's start token ("0" where the OS does not tell; then only the pid counts)."""
    global _own_token
    pid = os.getpid()
    if _own_token is None or _own_token[0] != pid:  # recomputed after a fork
        _own_token = (pid, process_start_token(pid) or "0")
    return _own_token[1]
