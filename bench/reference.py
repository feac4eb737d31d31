#!/usr/bin/env python3
"""PyTorch reference of Engram's learner: the same network, methods, hyperparameters and stream.

A measuring stick for BENCHMARKS.md, not part of the service. Debian's python3-torch on one thread;
install libopenblas0-pthread first (the default netlib BLAS is 4-5x slower).

    /usr/bin/python3 bench/reference.py protocol  --stream target/bench/stream-protocol.bin  --out target/bench/torch-protocol.json
    /usr/bin/python3 bench/reference.py throughput --stream target/bench/stream-throughput.bin --out target/bench/torch-throughput.json

The stream file (task permutations and train indices) is written by `./engram bench`, so both
implementations see the same examples in the same order.
"""
import argparse
import gzip
import json
import os
import random
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
DATA = "/usr/share/datasets/fashion-mnist"


def load_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784).astype(np.float32) / 255.0


def load_labels(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64)


def load_stream(path):
    raw = np.fromfile(path, dtype="<i4")
    tasks, per_task, eval_per_task = raw[:3]
    perms = raw[3:3 + tasks * 784].reshape(tasks, 784)
    train_idx = raw[3 + tasks * 784:].reshape(tasks, per_task)
    return int(tasks), int(per_task), int(eval_per_task), perms, train_idx


def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))


class ManualMlp:
    """784-100-100-10 ReLU MLP with hand-written forward, backward and in-place SGD on torch ops.

    The fastest PyTorch form found for this network on one thread: autograd costs ~118 us per
    single-example step here, these fused ops ~41 us. Initialised like nn.Linear (same seed, same
    draws); checked against autograd at start-up (check_against_autograd)."""

    def __init__(self, seed):
        net = mlp(seed)
        self.params = [t.detach().clone() for t in net.parameters()]
        self.W1, self.b1, self.W2, self.b2, self.W3, self.b3 = self.params

    def __call__(self, x):
        h1 = torch.addmm(self.b1, x, self.W1.t()).clamp_(min=0)
        h2 = torch.addmm(self.b2, h1, self.W2.t()).clamp_(min=0)
        return torch.addmm(self.b3, h2, self.W3.t())

    def step1(self, x, y, lr):
        """One SGD step on a single example (x: 784 vector, y: int)."""
        h1 = torch.addmv(self.b1, self.W1, x).clamp_(min=0)
        h2 = torch.addmv(self.b2, self.W2, h1).clamp_(min=0)
        d3 = torch.softmax(torch.addmv(self.b3, self.W3, h2), 0)
        d3[y] -= 1
        d2 = torch.mv(self.W3.t(), d3).mul_(h2 > 0)
        d1 = torch.mv(self.W2.t(), d2).mul_(h1 > 0)
        self.W3.addr_(d3, h2, alpha=-lr)
        self.b3.add_(d3, alpha=-lr)
        self.W2.addr_(d2, h1, alpha=-lr)
        self.b2.add_(d2, alpha=-lr)
        self.W1.addr_(d1, x, alpha=-lr)
        self.b1.add_(d1, alpha=-lr)

    def step(self, x, y, lr):
        """One SGD step on the mean cross-entropy of a batch (x: n x 784, y: n)."""
        n = x.shape[0]
        h1 = torch.addmm(self.b1, x, self.W1.t()).clamp_(min=0)
        h2 = torch.addmm(self.b2, h1, self.W2.t()).clamp_(min=0)
        d3 = torch.softmax(torch.addmm(self.b3, h2, self.W3.t()), 1)
        d3[torch.arange(n), y] -= 1
        d3.div_(n)
        d2 = torch.mm(d3, self.W3).mul_(h2 > 0)
        d1 = torch.mm(d2, self.W2).mul_(h1 > 0)
        self.W3.addmm_(d3.t(), h2, alpha=-lr)
        self.b3.add_(d3.sum(0), alpha=-lr)
        self.W2.addmm_(d2.t(), h1, alpha=-lr)
        self.b2.add_(d2.sum(0), alpha=-lr)
        self.W1.addmm_(d1.t(), x, alpha=-lr)
        self.b1.add_(d1.sum(0), alpha=-lr)


def check_against_autograd():
    """The manual step equals autograd + SGD on the same parameters."""
    manual, net = ManualMlp(7), mlp(7)
    x, y = torch.rand(5, 784), torch.tensor([1, 3, 3, 0, 9])
    with torch.no_grad():
        manual.step(x, y, 0.1)
    F.cross_entropy(net(x), y).backward()
    with torch.no_grad():
        for p, m in zip(net.parameters(), manual.params):
            assert torch.allclose(p - 0.1 * p.grad, m, atol=1e-6), "manual batch step differs from autograd"
    manual1, net1 = ManualMlp(8), mlp(8)
    with torch.no_grad():
        manual1.step1(x[0], 4, 0.1)
    F.cross_entropy(net1(x[:1]), torch.tensor([4])).backward()
    with torch.no_grad():
        for p, m in zip(net1.parameters(), manual1.params):
            assert torch.allclose(p - 0.1 * p.grad, m, atol=1e-6), "manual single step differs from autograd"


class Reservoir:
    """Reservoir sampling (Algorithm R) over preallocated tensors; sampling returns row indices."""

    def __init__(self, capacity, seed):
        self.x = torch.zeros(capacity, 784)
        self.y = torch.zeros(capacity, dtype=torch.long)
        self.capacity, self.size, self.seen = capacity, 0, 0
        self.rng = random.Random(seed)

    def add(self, x, y):
        self.seen += 1
        if self.size < self.capacity:
            slot = self.size
            self.size += 1
        else:
            slot = self.rng.randrange(self.seen)
            if slot >= self.capacity:
                return
        self.x[slot].copy_(x)
        self.y[slot] = y

    def sample(self, k):
        return self.rng.sample(range(self.size), min(k, self.size))


class Online:
    def __init__(self, net, lr, batch):
        self.net, self.lr, self.batch = net, lr, batch
        self.xs, self.ys = [], []

    def observe(self, x, y):
        self.xs.append(x)
        self.ys.append(y)
        if len(self.xs) == self.batch:
            self.flush()

    def flush(self):
        if not self.xs:
            return
        self.net.step(torch.stack(self.xs), torch.tensor(self.ys), self.lr)
        self.xs, self.ys = [], []


class ER(Online):
    def __init__(self, net, lr, batch, buffer, replay):
        super().__init__(net, lr, batch)
        self.buffer, self.replay = buffer, replay

    def flush(self):
        if not self.xs:
            return
        bx, by = torch.stack(self.xs), torch.tensor(self.ys)
        idx = self.buffer.sample(self.replay)
        if idx:
            idx = torch.tensor(idx)
            bx = torch.cat([bx, self.buffer.x.index_select(0, idx)])
            by = torch.cat([by, self.buffer.y.index_select(0, idx)])
        self.net.step(bx, by, self.lr)
        for x, y in zip(self.xs, self.ys):
            self.buffer.add(x, y)
        self.xs, self.ys = [], []


class MER:
    """Algorithm 1 of Riemer et al. 2019 as docs/algorithms.md states it; snapshots are preallocated copies."""

    def __init__(self, net, lr, beta, gamma, batches, replay, buffer):
        self.net, self.lr, self.beta, self.gamma = net, lr, beta, gamma
        self.batches, self.replay, self.buffer = batches, replay, buffer
        self.params = net.params
        self.across = [p.clone() for p in self.params]
        self.within = [p.clone() for p in self.params]

    def observe(self, x, y):
        for s, p in zip(self.across, self.params):
            s.copy_(p)
        for _ in range(self.batches):
            for s, p in zip(self.within, self.params):
                s.copy_(p)
            self.net.step1(x, y, self.lr)
            for i in self.buffer.sample(self.replay):
                self.net.step1(self.buffer.x[i], int(self.buffer.y[i]), self.lr)
            # θ = θ_W0 + β(θ − θ_W0)
            torch._foreach_sub_(self.params, self.within)
            torch._foreach_mul_(self.params, self.beta)
            torch._foreach_add_(self.params, self.within)
        torch._foreach_sub_(self.params, self.across)
        torch._foreach_mul_(self.params, self.gamma)
        torch._foreach_add_(self.params, self.across)
        self.buffer.add(x, y)

    def flush(self):
        pass


def build(method, buffer, batch, replay, seed):
    net = ManualMlp(seed)
    if method == "online":
        return net, Online(net, 0.01, batch)
    res = Reservoir(buffer, seed + 1)
    if method == "er":
        return net, ER(net, 0.1, batch, res, replay)
    return net, MER(net, 0.03, 0.03, 1.0, 10, replay, res)


def default_replay(method, buffer):
    if method == "mer":
        return 100 if buffer >= 5120 else 25 if buffer >= 500 else 10
    return 25 if buffer >= 5120 else 10


def accuracy(net, test_x, test_y, perm, n):
    with torch.no_grad():
        return (net(test_x[:n][:, perm]).argmax(1) == test_y[:n]).float().mean().item()


def run(label, method, buffer, batch, replay, stream, data, tasks, evaluate, seed):
    _, per_task, eval_per_task, perms, train_idx = stream
    train_x, train_y, test_x, test_y = data
    net, learner = build(method, buffer, batch, replay, seed)
    perms_t = [torch.from_numpy(perms[t].astype(np.int64)) for t in range(tasks)]
    n_eval = min(eval_per_task, len(test_y))
    baseline = [accuracy(net, test_x, test_y, perms_t[j], n_eval) for j in range(tasks)] if evaluate else None
    matrix, train_time, examples = [], 0.0, 0
    for t in range(tasks):
        xs = train_x[torch.from_numpy(train_idx[t].astype(np.int64))][:, perms_t[t]]
        ys = train_y[torch.from_numpy(train_idx[t].astype(np.int64))]
        start = time.perf_counter()
        for i in range(per_task):
            learner.observe(xs[i], int(ys[i]))
        learner.flush()
        train_time += time.perf_counter() - start
        examples += per_task
        if evaluate:
            matrix.append([accuracy(net, test_x, test_y, perms_t[j], n_eval) for j in range(tasks)])
        print(f"  torch {label:<20} task {t + 1:2d}/{tasks} {examples / train_time:9.1f} examples/s", file=sys.stderr)
    result = {"label": label, "implementation": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
              "hyperparameters": {"method": method, "replay_capacity": buffer, "batch_size": batch, "replay_batch": replay},
              "examples": examples, "train_seconds": train_time, "examples_per_second": examples / train_time}
    if evaluate:
        T = tasks
        R = matrix
        result.update({
            "acc": sum(R[T - 1]) / T,
            "la": sum(R[j][j] for j in range(T)) / T,
            "bwt": sum(R[T - 1][j] - R[j][j] for j in range(T - 1)) / (T - 1) if T > 1 else None,
            "fwt": sum(R[j - 1][j] - baseline[j] for j in range(1, T)) / (T - 1) if T > 1 else None,
            "forgetting": sum(max(R[l][j] for l in range(T - 1)) - R[T - 1][j] for j in range(T - 1)) / (T - 1) if T > 1 else None,
            "matrix": R, "baseline": baseline})
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["protocol", "throughput"])
    parser.add_argument("--stream", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--methods", default="online,er,mer")
    parser.add_argument("--buffers", default="5120,500,200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    with torch.enable_grad():
        check_against_autograd()
    stream = load_stream(args.stream)
    tasks = stream[0]
    data = (torch.from_numpy(load_images(f"{DATA}/train-images-idx3-ubyte.gz")),
            torch.from_numpy(load_labels(f"{DATA}/train-labels-idx1-ubyte.gz")),
            torch.from_numpy(load_images(f"{DATA}/t10k-images-idx3-ubyte.gz")),
            torch.from_numpy(load_labels(f"{DATA}/t10k-labels-idx1-ubyte.gz")))
    results = []
    if args.mode == "protocol":
        buffers = [int(b) for b in args.buffers.split(",")]
        for method in args.methods.split(","):
            for buffer in ([buffers[0]] if method == "online" else buffers):
                label = method if method == "online" else f"{method}/{buffer}"
                results.append(run(label, method, buffer, 1, default_replay(method, buffer), stream, data, tasks, True, args.seed))
    else:
        run("warm-up", "er", 5120, 10, 10, stream, data, 1, False, args.seed)
        for _ in range(args.repeats):
            results.append(run("online-b10", "online", 5120, 10, 0, stream, data, tasks, False, args.seed))
            results.append(run("er-b10-r10", "er", 5120, 10, 10, stream, data, tasks, False, args.seed))
            results.append(run("mer-5120-s10-k11", "mer", 5120, 1, 10, stream, data, tasks, False, args.seed))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"Wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
