"""Unit tests of helpers.distributed: the training loop, TF_CONFIG and worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from helpers import distributed


def _tiny():
    import keras

    return keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(3, activation="softmax")])


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4, 4, 1)).astype(np.float32), rng.integers(0, 3, 32)


def test_one_step_of_sgd_by_hand():
    """w <- w - lr * mean gradient of the cross-entropy, computed in NumPy."""
    import keras
    import tensorflow as tf

    x, y = _data()
    (w, b), losses = distributed.distributed_train(
        tf.distribute.get_strategy(), x, y, steps=1, global_batch=8, learning_rate=0.5,
        model_fn=_tiny)
    keras.utils.set_random_seed(1)
    w0, b0 = (np.asarray(v) for v in _tiny().get_weights())
    z = x[:8].reshape(8, -1) @ w0 + b0
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    d = (p - np.eye(3)[y[:8]]) / 8
    np.testing.assert_allclose(losses[0], -np.log(p[np.arange(8), y[:8]]).mean(), rtol=1e-5)
    np.testing.assert_allclose(w, w0 - 0.5 * x[:8].reshape(8, -1).T @ d, atol=1e-6)
    np.testing.assert_allclose(b, b0 - 0.5 * d.sum(0), atol=1e-6)


def test_resuming_from_a_checkpoint_gives_the_uninterrupted_weights(tmp_path):
    import tensorflow as tf

    x, y = _data()
    one = tf.distribute.get_strategy()
    whole, _ = distributed.distributed_train(one, x, y, 4, 8, model_fn=_tiny)

    def crash(k):
        if k == 2:
            raise KeyboardInterrupt("killed after step 2")

    with pytest.raises(KeyboardInterrupt):
        distributed.distributed_train(one, x, y, 4, 8, model_fn=_tiny,
                                      checkpoint_dir=str(tmp_path), after_step=crash)
    resumed, losses = distributed.distributed_train(one, x, y, 4, 8, model_fn=_tiny,
                                                    checkpoint_dir=str(tmp_path))
    assert len(losses) == 2  # steps 3 and 4 only
    for a, b in zip(whole, resumed, strict=True):
        np.testing.assert_array_equal(a, b)


def _momentum():
    import keras

    return keras.optimizers.SGD(0.1, momentum=0.9)


def test_a_resume_between_checkpoints_restores_the_optimizer_slots(tmp_path):
    """Momentum SGD, a checkpoint every 2 steps, a crash after step 3: the run resumes
    from step 2, redoes step 3, and ends with the uninterrupted weights *and* slots (a
    slot not restored, or not saved, leaves the momentum of steps 1-2 out)."""
    import tensorflow as tf

    x, y = _data()
    one = tf.distribute.get_strategy()
    kw = dict(model_fn=_tiny, optimizer_fn=_momentum, with_optimizer=True)
    whole, _, slots = distributed.distributed_train(one, x, y, 4, 8, **kw)
    assert len(slots) >= 4 and max(np.abs(s).max() for s in slots[-2:]) > 1e-3

    def crash(k):
        if k == 3:
            raise KeyboardInterrupt("killed after step 3, not saved")

    with pytest.raises(KeyboardInterrupt):
        distributed.distributed_train(one, x, y, 4, 8, checkpoint_dir=str(tmp_path),
                                      checkpoint_every=2, after_step=crash, **kw)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-2")
    resumed, losses, resumed_slots = distributed.distributed_train(
        one, x, y, 4, 8, checkpoint_dir=str(tmp_path), checkpoint_every=2, **kw)
    assert len(losses) == 2  # steps 3 (redone) and 4
    for a, b in zip(whole + slots, resumed + resumed_slots, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    # the control: without its slots the momentum run does not end there
    fresh, _, _ = distributed.distributed_train(one, x, y, 2, 8, **kw)
    assert max(np.abs(a - b).max() for a, b in zip(whole, fresh, strict=True)) > 1e-3


def test_momentum_and_checkpoints_under_a_mirrored_strategy(tmp_path):
    """The optimiser's slots are created inside the strategy's scope (a momentum
    optimiser built outside it fails under MirroredStrategy)."""
    import tensorflow as tf

    x, y = _data()
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0"])
    kw = dict(model_fn=_tiny, optimizer_fn=_momentum, with_optimizer=True)
    plain = distributed.distributed_train(tf.distribute.get_strategy(), x, y, 2, 8, **kw)
    run = distributed.distributed_train(mirrored, x, y, 2, 8, checkpoint_dir=str(tmp_path),
                                        **kw)
    for a, b in zip(plain[0] + plain[2], run[0] + run[2], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_the_chief_writes_to_the_shared_directory_the_others_to_their_own():
    class Resolver:
        def __init__(self, task_type, task_id):
            self.task_type, self.task_id = task_type, task_id

    class Strategy:
        def __init__(self, resolver):
            self.cluster_resolver = resolver

    shared = "/shared/checkpoints"
    assert distributed._checkpoint_dir(object(), shared) == shared  # one process
    assert distributed._checkpoint_dir(Strategy(Resolver("chief", 0)), shared) == shared
    assert distributed._checkpoint_dir(Strategy(Resolver("worker", 0)), shared) == shared
    own = distributed._checkpoint_dir(Strategy(Resolver("worker", 1)), shared)
    assert own != shared and os.path.isdir(own) and "worker1" in own
    os.rmdir(own)


def test_distributed_train_rejects_bad_input():
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    x, y = np.zeros((10, 28, 28, 1), np.float32), np.zeros(10, int)
    with pytest.raises(ValueError, match="need 64 images"):
        distributed.distributed_train(strategy, x, y, steps=2, global_batch=32)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        distributed.distributed_train(strategy, x, y, steps=0, global_batch=32)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        distributed.distributed_train(strategy, x[..., 0], y, steps=1, global_batch=2)
    with pytest.raises(ValueError, match="divide_by"):
        distributed.distributed_train(strategy, x, y, 1, 2, divide_by="local")
    with pytest.raises(ValueError, match="checkpoint_every"):
        distributed.distributed_train(strategy, x, y, 1, 2, checkpoint_every=0)


def test_local_tf_config_uses_only_localhost():
    config = json.loads(distributed.local_tf_config([5000, 5001], 1))
    assert config == {"cluster": {"worker": ["127.0.0.1:5000", "127.0.0.1:5001"]},
                      "task": {"type": "worker", "index": 1}}
    for ports, index, message in [([5000, 5000], 0, "distinct"), ([70000], 0, "1..65535"),
                                  ([5000], 1, "index must be"), ([0], 0, "positive")]:
        with pytest.raises(ValueError, match=message):
            distributed.local_tf_config(ports, index)
    ports = distributed.free_local_ports(2)
    assert len(set(ports)) == 2


SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_worker_processes_run_and_are_always_stopped():
    ok = [sys.executable, "-c", "import os; print('hello', os.environ['X'])"]
    with distributed.worker_processes([ok], [{"X": "1"}]) as procs:
        assert distributed.wait_all(procs, timeout=60) == ["hello 1\n"]
    with pytest.raises(KeyError):
        with distributed.worker_processes([SLEEPER, SLEEPER], [{}, {}]) as procs:
            raise KeyError("a failing cell")
    assert all(p.poll() is not None for p in procs)  # stopped by the context manager
    assert not distributed._RUNNING
    with pytest.raises(TimeoutError, match="worker 0"):
        with distributed.worker_processes([SLEEPER], [{}]) as procs:
            distributed.wait_all(procs, timeout=0.5)
    assert procs[0].poll() is not None
    with pytest.raises(ValueError, match="one env per command"):
        with distributed.worker_processes([ok], []):
            pass
    with pytest.raises(ValueError, match="non-empty list of strings"):
        with distributed.worker_processes([[]], [{}]):
            pass


def test_wait_all_fails_fast_with_the_failing_workers_code_and_log():
    bad = [sys.executable, "-c", "print('out of memory'); raise SystemExit(3)"]
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"worker 1 exited with 3:\nout of memory"):
        with distributed.worker_processes([SLEEPER, bad], [{}, {}]) as procs:
            distributed.wait_all(procs, timeout=50)
    assert time.monotonic() - start < 20  # not the 50 s timeout


def test_wait_all_without_fail_fast_lets_the_others_finish():
    bad = [sys.executable, "-c", "print('lost'); raise SystemExit(3)"]
    slow = [sys.executable, "-c", "import time; time.sleep(1); print('survived')"]
    with distributed.worker_processes([slow, bad], [{}, {}]) as procs:
        logs = distributed.wait_all(procs, timeout=50, fail_fast=False)
        assert [p.returncode for p in procs] == [0, 3]
    assert logs == ["survived\n", "lost\n"]
    with pytest.raises(ValueError, match="timeout"):
        distributed.wait_all(procs, timeout=0)


def test_workers_die_with_a_killed_parent_and_get_their_own_group(tmp_path):
    parent = f"""
import sys, time
from helpers import distributed
with distributed.worker_processes([{SLEEPER!r}], [{{}}]) as procs:
    print(procs[0].pid, flush=True)
    time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE,
                            text=True, cwd=os.getcwd())
    child = int(proc.stdout.readline())
    assert os.getpgid(child) == child != os.getpgid(proc.pid)
    proc.send_signal(signal.SIGKILL)  # no atexit, no finally
    proc.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as f:
            if f.read().split()[2] == "Z":  # a zombie waiting for init to reap it
                break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker outlived its killed parent")
