"""Where ``org scan`` runs its repo tasks: this process, local processes, or Dask.

Each runner takes the tasks and yields outcomes as they finish (any order);
the coordinator alone writes the store. A task that dies with its worker
becomes a failed outcome, so one lost machine costs one retry, not the run.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from scanner.orgscan.task import RepoOutcome, RepoTask, run_repo_task
from scanner.procs import connect_dask, dask_address, die_with_parent

Runner = Callable[[Iterable[RepoTask]], Iterator[RepoOutcome]]


def make_runner(executor: str | None, jobs: int) -> Runner:
    """``None``/``local``: ``jobs`` processes (1: this process); ``dask://HOST:PORT``
    (or ``tcp://``, ``tls://``): a Dask distributed scheduler."""
    if executor and executor != "local":
        return DaskRunner(executor)
    if jobs <= 1:
        return run_serial
    return lambda tasks: run_in_processes(tasks, jobs)


def run_serial(tasks: Iterable[RepoTask]) -> Iterator[RepoOutcome]:
    for task in tasks:
        yield run_repo_task(task)


def _lost(task: RepoTask, exc: BaseException) -> RepoOutcome:
    return RepoOutcome(task.repo, "failed", error_kind="worker",
                       error=f"worker lost: {type(exc).__name__}: {exc}")


def run_in_processes(tasks: Iterable[RepoTask], jobs: int) -> Iterator[RepoOutcome]:
    # fork: workers start with the scanner already imported (a fresh
    # interpreter would spend most of a quiet night's run importing). They
    # never touch the inherited state file or HTTP session, and leave with
    # os._exit, which closes neither.
    context = multiprocessing.get_context("fork")
    # Workers end with this process, even on kill -9, and forget the
    # credentials they inherited (each task carries its own git token).
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        # Keep a bounded number queued: a killed run then leaves little
        # half-done work, and results are committed as they come.
        pending: dict[Future[RepoOutcome], RepoTask] = {}
        queue = iter(tasks)
        for task in queue:
            pending[pool.submit(run_repo_task, task)] = task
            if len(pending) >= 2 * jobs:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker process
                    yield _lost(task, exc)
                nxt = next(queue, None)
                if nxt is not None:
                    pending[pool.submit(run_repo_task, nxt)] = nxt


class DaskRunner:
    """Tasks on a Dask distributed cluster. Workers need leakwarden installed,
    git, the mirrors directory (shared storage, if ``--verify`` is to re-read
    secrets here) and GITHUB_TOKEN in their own environment."""

    def __init__(self, address: str) -> None:
        self.address = dask_address(address)  # a typo fails before any work

    def __call__(self, tasks: Iterable[RepoTask]) -> Iterator[RepoOutcome]:
        tasks = list(tasks)
        client = connect_dask(self.address)
        from distributed import as_completed
        try:
            futures = []
            for task in tasks:
                task.token = None  # never through the scheduler: workers use their own env
                task.scan_jobs = 1  # a worker runs several tasks; the cluster is the parallelism
                futures.append(client.submit(run_repo_task, task, pure=False, retries=1,
                                             key=f"leakwarden-scan-{task.repo}-{id(task)}"))
            by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            for future in as_completed(futures, loop=client.loop):
                task = by_key[future.key]
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - the worker died twice
                    yield _lost(task, exc)
        finally:
            client.close()
