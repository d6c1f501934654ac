# The training epoch against PyTorch, PyTorch's half (docs/training.md, "Speed"): trains the
# problem bench/pytorch/export.mjs wrote (same observations, same initial phi, squared loss,
# Adam at 0.01 with epsilon 1e-7 as crossgrad's default) with nn.EmbeddingBag (one table of the
# n + m rows, mode "sum"; each observation's rows of A and of B are two bags, padded to the
# widest with a padding row), on one thread, at batches of 256 and 4096: SparseAdam on sparse
# gradients, and Adam on dense ones. Prints each epoch time (median of the epochs after the
# first, the minimum over runs) beside crossgrad's from export.mjs, and the last epoch's losses.
# Not part of the tests or CI.
#   node bench/pytorch/export.mjs /tmp/crossgrad-epoch && python3 bench/pytorch/epoch.py /tmp/crossgrad-epoch [runs]
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp/crossgrad-epoch"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.set_num_threads(1)
meta = json.load(open(os.path.join(folder, "crossgrad.json")))
p = meta["problem"]
n, m, k, count, epochs = p["n"], p["m"], p["k"], p["count"], p["epochs"]
indptr = np.fromfile(os.path.join(folder, "indptr.u32"), dtype=np.uint32).astype(np.int64)
index = np.fromfile(os.path.join(folder, "index.u32"), dtype=np.uint32).astype(np.int64)
y = torch.from_numpy(np.fromfile(os.path.join(folder, "y.f64"), dtype=np.float64).astype(np.float32))
phi0 = torch.from_numpy(np.fromfile(os.path.join(folder, "phi.f32"), dtype=np.float32).reshape(n + m, k))

# each observation's rows of A and of B, padded with row n + m (the padding row: no gradient)
pad = n + m
widest = 0
parts = []
for b in range(count):
    rows = index[indptr[b] : indptr[b + 1]]
    a, bb = rows[rows < n], rows[rows >= n]
    parts.append((a, bb))
    widest = max(widest, len(a), len(bb))
A = np.full((count, widest), pad, dtype=np.int64)
B = np.full((count, widest), pad, dtype=np.int64)
for b, (a, bb) in enumerate(parts):
    A[b, : len(a)] = a
    B[b, : len(bb)] = bb
A, B = torch.from_numpy(A), torch.from_numpy(B)
maskA, maskB = A != pad, B != pad
lengthA, lengthB = maskA.sum(1), maskB.sum(1)


def padded(ids):
    """The batch's bags as fixed-size rows with the padding row: the A bags, then the B bags."""
    return (torch.cat((A[ids], B[ids])),)


def offsets(ids):
    """The batch's bags as one list of rows and where each bag begins."""
    rows = torch.cat((A[ids][maskA[ids]], B[ids][maskB[ids]]))
    lengths = torch.cat((lengthA[ids], lengthB[ids]))
    starts = torch.zeros_like(lengths)
    starts[1:] = lengths.cumsum(0)[:-1]
    return rows, starts


def train(batch_size, sparse, bags_of):
    table = torch.nn.EmbeddingBag(n + m + 1, k, mode="sum", sparse=sparse, padding_idx=pad)
    with torch.no_grad():
        table.weight[: n + m] = phi0
        table.weight[pad] = 0
    optimizer = (torch.optim.SparseAdam if sparse else torch.optim.Adam)(table.parameters(), lr=0.01, eps=1e-7)
    generator = torch.Generator().manual_seed(1)
    times, losses = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(count, generator=generator)
        total = 0.0
        for first in range(0, count, batch_size):
            ids = order[first : first + batch_size]
            bags = table(*bags_of(ids))
            u, v = bags[: len(ids)], bags[len(ids) :]
            loss = ((u * v).sum(1) - y[ids]).square().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(ids)
        times.append(1000 * (time.perf_counter() - start))
        losses.append(total / count)
    return statistics.median(times[1:]), losses


def best(batch_size, sparse):
    """The fastest run of either way to pass the bags: (epoch ms, losses, which)."""
    results = [(*train(batch_size, sparse, f), f.__name__) for f in (padded, offsets) for _ in range(runs)]
    return min(results, key=lambda r: r[0])


print("| batch | crossgrad | PyTorch SparseAdam | PyTorch Adam | ratio (SparseAdam) | ratio (Adam) |")
print("|---:|---:|---:|---:|---:|---:|")
notes = []
for batch_size in (256, 4096):
    ours = meta["crossgrad"][str(batch_size)]
    sparse, dense = best(batch_size, True), best(batch_size, False)
    print(
        f"| {batch_size} | {ours['epochMs']:.1f} ms | {sparse[0]:.1f} ms ({sparse[2]}) | {dense[0]:.1f} ms ({dense[2]}) "
        f"| {sparse[0] / ours['epochMs']:.1f}x | {dense[0] / ours['epochMs']:.1f}x |"
    )
    for name, losses in (("crossgrad", ours["losses"]), ("SparseAdam", sparse[1]), ("Adam", dense[1])):
        notes.append(f"batches of {batch_size}, {name}: epoch losses " + " ".join(f"{x:.4f}" for x in losses))
print(
    f"\n{meta['machine']['cpu']}, crossgrad on Node {meta['machine']['node']}, "
    f"PyTorch {torch.__version__} (one thread) on Python {platform.python_version()}; "
    "epoch times: the median epoch (PyTorch: after the first), the fastest run\n"
)
print("\n".join(notes))
