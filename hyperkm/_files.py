"""Writing a user's file whole or not at all, touching no other file."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["replace_atomically"]


@contextlib.contextmanager
def replace_atomically(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes ``path`` when the block ends without an error.

    The data goes to a new, uniquely named file beside ``path`` (created exclusively, so an
    existing file or a symbolic link of that name is never opened), which is renamed over
    ``path`` at the end; on any error only that file — one hyperkm created — is removed.
    """
    target = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(target))
    fd, partial = _create_beside(folder, name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
        raise


def _create_beside(folder: str, name: str) -> tuple[int, str]:
    # O_EXCL: fail rather than open what exists (a file, a symbolic link); mode 0o666 so the
    # umask applies as for any file the user writes (mkstemp's 0o600 would not).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        partial = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(partial, flags, 0o666), partial
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {name} in {folder}")
