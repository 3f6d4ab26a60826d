"""Data-parallel training with ``tf.distribute`` and the worker processes it needs.

- :func:`distributed_train` -- one custom training loop for any ``tf.distribute``
  strategy, with optional checkpoints to resume from;
- :func:`free_local_ports`, :func:`local_tf_config` -- a cluster of workers on 127.0.0.1;
- :func:`worker_processes`, :func:`wait_all` -- start worker processes, wait for them
  (failing fast when one fails), and always stop them: on leaving the ``with`` block, at
  interpreter exit, and (on Linux) when the parent process is killed.

TensorFlow/Keras is imported inside the functions, so ``import helpers.distributed`` is
cheap.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from helpers.validate import as_array, check_positive_int

if TYPE_CHECKING:  # pragma: no cover
    import keras
    import tensorflow as tf


def distributed_train(
    strategy: tf.distribute.Strategy,
    x: object,
    y: object,
    steps: int,
    global_batch: int,
    learning_rate: float = 0.05,
    seed: int = 1,
    *,
    model_fn: Callable[[], keras.Model] | None = None,
    optimizer_fn: Callable[[], keras.optimizers.Optimizer] | None = None,
    divide_by: str = "global",
    checkpoint_dir: str | None = None,
    checkpoint_every: int = 1,
    after_step: Callable[[int], None] | None = None,
    with_optimizer: bool = False,
) -> tuple:
    """Train a fresh model for ``steps`` steps under ``strategy`` with a custom loop;
    return ``(weights, losses)``, or ``(weights, losses, optimizer_variables)`` with
    ``with_optimizer=True``.

    The model is ``model_fn()`` (default :func:`helpers.models.article_cnn`), built after
    ``keras.utils.set_random_seed(seed)`` (which reseeds Python's, NumPy's and
    TensorFlow's global generators). The optimiser is ``optimizer_fn()`` (default: plain
    SGD with ``learning_rate``, which keeps no state besides its step counter; pass e.g.
    ``lambda: keras.optimizers.SGD(0.05, momentum=0.9)`` for one with a slot per weight).
    ``optimizer_variables`` are the optimiser's variables at the end (step counter,
    learning rate, slots), as NumPy arrays. The same code serves one device,
    ``MirroredStrategy`` and ``MultiWorkerMirroredStrategy``: each replica computes the
    loss of its share of the global batch divided by the *global* batch size, Keras's
    optimiser sums the replicas' gradients (an all-reduce) and applies the same update on
    every replica. ``divide_by="replica"`` divides by the replica's own batch size instead
    (a common bug: the update is ``K`` times too large with ``K`` replicas). The batches
    are the first ``steps * global_batch`` images in order.

    With ``checkpoint_dir``, a ``tf.train.CheckpointManager`` there saves the weights,
    the optimiser (its step counter and slots) and the step after every
    ``checkpoint_every``-th step, and the run first resumes from the latest checkpoint
    there (skipping the batches already done; a restore that leaves any of these objects
    unmatched raises). Steps after the last checkpoint are lost when a run dies, and are
    run again on resuming. In a multi-worker cluster every worker saves (the save is
    collective) but only the chief (worker 0) writes to ``checkpoint_dir``, the others to
    a temporary directory, removed at the end; all restore from ``checkpoint_dir``, which
    on real hosts must be a shared file system (otherwise the workers resume from
    different steps). ``after_step(k)`` is called after step ``k`` (1-based) is done (and
    saved, if it is a checkpoint step). ``losses`` holds the losses of the steps run by
    this call.

    Raises ``ValueError`` for non-positive ``steps``/``global_batch``/``checkpoint_every``,
    too few images, ``x``/``y`` of the wrong rank, or ``divide_by`` other than
    ``"global"``/``"replica"``.
    """
    import keras
    import tensorflow as tf

    from helpers import models

    steps = check_positive_int(steps, "steps")
    global_batch = check_positive_int(global_batch, "global_batch")
    checkpoint_every = check_positive_int(checkpoint_every, "checkpoint_every")
    if divide_by not in ("global", "replica"):
        raise ValueError(f"divide_by must be 'global' or 'replica', got {divide_by!r}")
    x = as_array(x, "x", ndim=4, kinds="f").astype(np.float32)
    y = as_array(y, "y", ndim=1, kinds="iu")
    n = steps * global_batch
    if len(x) < n or len(y) < n:
        raise ValueError(f"need {n} images and labels for {steps} steps, got {len(x)}, {len(y)}")
    replicas = strategy.num_replicas_in_sync
    if global_batch % replicas:
        raise ValueError(f"global_batch {global_batch} must be a multiple of the "
                         f"{replicas} replicas")
    divisor = global_batch if divide_by == "global" else global_batch // replicas
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        model = (model_fn or models.article_cnn)()
        optimizer = (optimizer_fn or (lambda: keras.optimizers.SGD(learning_rate)))()
        optimizer.build(model.trainable_variables)  # its slots exist before any restore
        loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)
        done = tf.Variable(0, dtype=tf.int64, trainable=False)
    manager, own_dir = None, None
    if checkpoint_dir is not None:
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, step=done)
        latest = tf.train.latest_checkpoint(str(checkpoint_dir))
        if latest is not None:
            checkpoint.restore(latest).assert_existing_objects_matched()
        save_dir = _checkpoint_dir(strategy, str(checkpoint_dir))
        own_dir = None if save_dir == str(checkpoint_dir) else save_dir
        manager = tf.train.CheckpointManager(checkpoint, save_dir, max_to_keep=2)
    start = int(done.numpy())
    data = tf.data.Dataset.from_tensor_slices((x[:n], y[:n])).batch(global_batch)
    data = data.skip(start)

    @tf.function
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            per_image = loss_fn(yb, model(xb, training=True))
            loss = tf.nn.compute_average_loss(per_image, global_batch_size=divisor)
        grads = tape.gradient(loss, model.trainable_variables)
        pairs = zip(grads, model.trainable_variables, strict=True)
        optimizer.apply_gradients(pairs)  # sums the replicas' gradients: all-reduce
        return loss

    losses = []
    try:
        batches = strategy.experimental_distribute_dataset(data)
        for k, (xb, yb) in enumerate(batches, start + 1):
            per_replica = strategy.run(step, args=(xb, yb))
            scale = divisor / global_batch
            losses.append(float(strategy.reduce("SUM", per_replica, axis=None)) * scale)
            if manager is not None and k % checkpoint_every == 0:
                done.assign(k)
                manager.save(checkpoint_number=k)
            if after_step is not None:
                after_step(k)
    finally:
        if own_dir is not None:
            shutil.rmtree(own_dir, ignore_errors=True)
    weights = [keras.ops.convert_to_numpy(w) for w in model.weights]
    if with_optimizer:
        return weights, losses, [keras.ops.convert_to_numpy(v) for v in optimizer.variables]
    return weights, losses


def _checkpoint_dir(strategy: tf.distribute.Strategy, directory: str) -> str:
    """The chief writes to ``directory``, other workers to a directory of their own."""
    resolver = getattr(strategy, "cluster_resolver", None)
    task = getattr(resolver, "task_type", None)
    index = getattr(resolver, "task_id", 0)
    if task in (None, "chief") or (task == "worker" and index == 0):
        return directory
    return tempfile.mkdtemp(prefix=f"worker{index}-")


# --- worker processes ----------------------------------------------------------------

_RUNNING: set[subprocess.Popen] = set()
LOCALHOST = "127.0.0.1"


def free_local_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free on 127.0.0.1 at the time of the call."""
    n = check_positive_int(n, "n")
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOCALHOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def local_tf_config(ports: Sequence[int], index: int) -> str:
    """``TF_CONFIG`` (JSON) for worker ``index`` of a cluster of workers on 127.0.0.1.

    Only 127.0.0.1 is ever used. Raises ``ValueError`` for ports outside 1..65535,
    repeated ports, or an index outside the cluster.
    """
    ports = [check_positive_int(p, "port") for p in ports]
    if not ports or max(ports) > 65535 or len(set(ports)) != len(ports):
        raise ValueError(f"ports must be distinct ints in 1..65535, got {ports}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(ports):
        raise ValueError(f"index must be an int in 0..{len(ports) - 1}, got {index!r}")
    cluster = {"worker": [f"{LOCALHOST}:{p}" for p in ports]}
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


def _signal_group(p: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(p.pid, sig)


def _stop(procs: Sequence[subprocess.Popen], grace: float = 5.0) -> None:
    for p in procs:
        if p.poll() is None:
            _signal_group(p, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait()
        _signal_group(p, signal.SIGKILL)  # anything the worker itself started
        _RUNNING.discard(p)


@atexit.register
def _stop_all_at_exit() -> None:
    _stop(list(_RUNNING), grace=2.0)


#: Run in a new, single-threaded Python process *before* the worker's command (on Linux):
#: ask the kernel for SIGKILL when the parent dies (``PR_SET_PDEATHSIG`` = 1), exit if the
#: parent already died before that (the signal would never come), then ``exec`` the
#: command, which keeps the request. This replaces ``Popen(preexec_fn=...)``, which is
#: unsafe in a multithreaded parent such as TensorFlow's: code run between ``fork`` and
#: ``exec`` can deadlock on a lock another thread held.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def _launcher(cmd: Sequence[str]) -> list[str]:
    """``cmd``, behind the parent-death guard on Linux."""
    if not sys.platform.startswith("linux"):
        return list(cmd)
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]


@contextlib.contextmanager
def worker_processes(
    commands: Sequence[Sequence[str]], envs: Sequence[Mapping[str, str]]
) -> Iterator[list[subprocess.Popen]]:
    """Start one process per command (with its extra environment) and always stop them.

    Use as ``with worker_processes(cmds, envs) as procs: wait_all(procs, timeout)``. Each
    process starts in a process group of its own and, on Linux, is killed by the kernel
    when its parent dies (a killed notebook kernel included; strictly, when the parent
    *thread* that started it ends, so call this from a thread that outlives the workers,
    such as the main thread). On leaving the block --
    normally, by an exception, or by an interrupt -- every group still running is
    terminated (killed after 5 s); an :mod:`atexit` hook does the same if the Python
    process ends first. Each process's stdout and stderr go to a temporary file, read by
    :func:`wait_all`.

    Raises ``ValueError`` unless there is one environment per non-empty command.
    """
    if not commands or len(commands) != len(envs):
        raise ValueError(f"need one env per command, got {len(commands)} and {len(envs)}")
    if any(not cmd or not all(isinstance(a, str) for a in cmd) for cmd in commands):
        raise ValueError("every command must be a non-empty list of strings")
    procs: list[subprocess.Popen] = []
    try:
        for cmd, env in zip(commands, envs, strict=True):
            log = tempfile.TemporaryFile(mode="w+")
            try:
                p = subprocess.Popen(_launcher(cmd), env={**os.environ, **env}, stdout=log,
                                     stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
            except BaseException:
                log.close()
                raise
            p.log = log  # type: ignore[attr-defined]
            procs.append(p)
            _RUNNING.add(p)
        yield procs
    finally:
        _stop(procs)
        for p in procs:
            p.log.close()  # type: ignore[attr-defined]


def _output(p: subprocess.Popen) -> str:
    p.log.seek(0)  # type: ignore[attr-defined]
    return p.log.read()  # type: ignore[attr-defined]


def wait_all(procs: Sequence[subprocess.Popen], timeout: float = 120.0,
             fail_fast: bool = True) -> list[str]:
    """Wait for every process (``timeout`` seconds in all) and return their outputs.

    With ``fail_fast`` (the default) all processes are polled together, so a failure is
    reported as soon as it happens: ``RuntimeError`` names the first process that exited
    with a non-zero code, gives the code (negative: killed by that signal) and the end of
    its output. With ``fail_fast=False`` it waits until every process has ended, whatever
    the exit codes, and returns the outputs (the codes are in ``p.returncode``): this
    shows what the survivors of a failure do on their own. ``TimeoutError`` (with the end
    of every output) if they take longer than ``timeout``; the caller's
    :func:`worker_processes` block then stops them. Raises ``ValueError`` for a
    non-positive ``timeout``.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    end = time.monotonic() + timeout
    while True:
        for i, p in enumerate(procs):
            code = p.poll()
            if fail_fast and code is not None and code != 0:
                raise RuntimeError(f"worker {i} exited with {code}:\n{_output(p)[-2000:]}")
        codes = [p.poll() for p in procs]
        if all(c == 0 for c in codes) or (not fail_fast and None not in codes):
            return [_output(p) for p in procs]
        if time.monotonic() > end:
            tails = "\n".join(f"--- worker {i}:\n{_output(p)[-800:]}"
                              for i, p in enumerate(procs))
            raise TimeoutError(f"workers still running after {timeout} s\n{tails}")
        time.sleep(0.05)
