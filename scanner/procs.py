"""Child processes that carry no credentials and do not outlive their parent.

Two promises for every process leakwarden starts:

* ``child_env`` - a local git command (``cat-file``, ``rev-list``,
  ``for-each-ref``, ``diff``) needs no token, so it does not get one: the
  GitHub and AWS credential variables are left out of its environment. Only a
  clone or fetch is given the token, as an HTTP header scoped to its origin
  (``scanner.github.mirror.git_auth_env``).
* ``die_with_parent`` - a worker of ``org scan`` exits when the coordinator
  dies, even by ``kill -9``: Linux's ``PR_SET_PDEATHSIG``, and elsewhere (or
  if the parent died before the call) a watchdog thread that sees the parent
  change. A worker left behind would hold a token and keep writing mirrors
  that the next run may be using.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

# What a child never needs unless it authenticates itself.
CREDENTIAL_VARIABLES = (
    "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
    "LEAKWARDEN_GITHUB_APP_ID", "LEAKWARDEN_GITHUB_APP_KEY_FILE", "LEAKWARDEN_GITHUB_APP_INSTALLATION_ID",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
)

_PR_SET_PDEATHSIG = 1


def child_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """``base`` (default: this process's environment) without credentials, plus ``extra``."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in CREDENTIAL_VARIABLES}
    env.update(extra)
    return env


def set_pdeathsig(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent_pid: int, poll: float = 1.0, forget_credentials: bool = True) -> None:
    """Make this (worker) process end when ``parent_pid`` does.

    Run first thing in the child (a ProcessPoolExecutor ``initializer``).
    ``forget_credentials``: drop the inherited credential variables too; local
    workers get the git token in their task, not from the environment.
    """
    import threading
    import time

    if forget_credentials:
        for name in CREDENTIAL_VARIABLES:
            os.environ.pop(name, None)
    set_pdeathsig(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took hold
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="leakwarden-parent-watch", daemon=True).start()


class ExecutorError(Exception):
    """An executor that cannot be used (unknown, not installed, unreachable);
    the message says what to do."""


def dask_address(executor: str) -> str:
    """The scheduler address of ``dask://HOST:PORT`` (or ``tcp://``, ``tls://``,
    ``inproc://`` as they are). Raises ``ExecutorError``."""
    if executor.startswith("dask://"):
        return "tcp://" + executor[len("dask://"):]
    if executor.startswith(("tcp://", "tls://", "inproc://")):
        return executor
    raise ExecutorError(f"unknown executor {executor!r}; use local or dask://HOST:PORT")


def connect_dask(address: str) -> Any:
    """A ``distributed.Client`` on ``address``. Raises ``ExecutorError`` when
    Dask is not installed or the scheduler cannot be reached."""
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError("Dask is not installed: pip install 'leakwarden[dask]'") from None
    try:
        return Client(address, timeout=15, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
