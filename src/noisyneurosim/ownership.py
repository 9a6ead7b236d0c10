"""A job publishes its results only while it still owns them: a late job of an earlier run changes nothing.

When Snakemake dies hard (kill -9, a lost login session, a rebooted login node) its running jobs live on,
and the next run starts the same jobs again. Each attempt claims its result by writing a token of its own
beside it (hidden, `.<name>.owner`); the final atomic rename of each of its files happens only while that
token is still its own. The attempt of the earlier run, finishing late, finds a later attempt's token and
drops what it made instead of overwriting the newer result.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

from .files import atomic_write


class Superseded(RuntimeError):
    """This attempt no longer owns its result: a later attempt of the same job took it over."""

    said_in_full = True  # the message is the whole story: the job ends with it, without a traceback


def owner_file(result: Path) -> Path:
    result = Path(result)
    return result.with_name(f".{result.name}.owner")


def claim(result: Path) -> str:
    """Make this attempt the owner of `result` (a later claim takes it over); return its token."""
    token = f"{socket.gethostname()} pid {os.getpid()} at {time.strftime('%Y-%m-%dT%H:%M:%S')} {uuid.uuid4().hex}"
    atomic_write(owner_file(result), token + "\n")
    return token


def still_owned(result: Path, token: str):
    """A check for the moment before a rename publishes a file of this attempt: raises Superseded when a later
    attempt has claimed `result` since."""

    def check() -> None:
        try:
            owner = owner_file(result).read_text().strip()
        except OSError:
            owner = None
        if owner != token:
            raise Superseded(
                f"{result}: a later attempt of this job owns it now ({owner or 'its claim is gone'}); this attempt "
                "(of an earlier run, left running when its Snakemake died?) publishes nothing"
            )

    return check
