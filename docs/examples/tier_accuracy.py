#!/usr/bin/env python3
"""Rebuilds a fedprune tier from its artifact (format fedprune-tier/3, or 2) and measures its accuracy on MNIST.

    python3 docs/examples/tier_accuracy.py work/demo/artifacts/keep-0.1.safetensors data/mnist

Needs only numpy (the safetensors file is parsed by hand below; safetensors.numpy.load_file gives the same arrays).
The printed accuracy equals the one the coordinator reported for the tier, on the same test images.
"""
import gzip, json, struct, sys
from pathlib import Path
import numpy as np

DTYPES = {"F32": np.float32, "I32": np.int32, "I16": np.int16, "U8": np.uint8}


def load(path):
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], DTYPES[v["dtype"]]).reshape(v["shape"])
               for k, v in header.items()}
    return tensors, meta


def weights(t, meta):
    """Dense weights of every layer: pruned layers rebuilt from kept values and their indices or mask bits, zeros elsewhere."""
    W = {}
    for L in filter(None, meta["layers"].split(",")):
        G, n, k = int(meta[L + ".groups"]), int(meta[L + ".n"]), int(meta[L + ".k"])
        shape = [int(d) for d in meta[L + ".shape"].split("x")]
        vals = t[L + ".values"].reshape(G, k, -1)                      # [G, k, e]
        if L + ".indices" in t:                                          # the smaller form: indices (keep < 1/16)
            idx = t[L + ".indices"].astype(np.int64)                   # [G, k]
        else:                                                            # or the mask bits
            bits = np.unpackbits(t[L + ".mask_bits"], bitorder="little")[:G * n].reshape(G, n)
            assert (bits.sum(1) == k).all()                              # exactly k per group
            idx = np.nonzero(bits)[1].reshape(G, k)                      # ascending per group
        assert (np.diff(idx, axis=1) > 0).all() and (idx >= 0).all() and (idx < n).all()
        w = np.zeros((G, n, vals.shape[2]), np.float32)
        np.put_along_axis(w, idx[:, :, None], vals, axis=1)
        W[L] = w.reshape(shape)
    for name in t:
        if name.endswith(".weight"):
            W[name[:-7]] = t[name]
    return W


def conv(x, w, b):        # x [B, C, H, W], w [O, C, kh, kw]: valid cross-correlation, stride 1 (PyTorch Conv2d)
    O, C, kh, kw = w.shape
    cols = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))   # [B, C, H', W', kh, kw]
    return np.einsum("bchwij,ocij->bohw", cols, w, optimize=True) + b[None, :, None, None]


def pool(x):              # 2x2 max pool, stride 2
    B, C, H, W = x.shape
    return x[:, :, :H // 2 * 2, :W // 2 * 2].reshape(B, C, H // 2, 2, W // 2, 2).max(axis=(3, 5))


def forward(arch, W, t, x):
    b = lambda L: t[L + ".bias"]
    if arch == "lenet300":  # flatten > fc1 > ReLU > fc2 > ReLU > fc3
        h = x.reshape(len(x), -1)
        h = np.maximum(h @ W["fc1"].T + b("fc1"), 0)
        h = np.maximum(h @ W["fc2"].T + b("fc2"), 0)
        return h @ W["fc3"].T + b("fc3")
    if arch == "lenet5":    # conv1 > MaxPool2d(2) > conv2 > MaxPool2d(2) > flatten > fc1 > ReLU > fc2 (no ReLU after convs)
        h = pool(conv(x, W["conv1"], b("conv1")))
        h = pool(conv(h, W["conv2"], b("conv2"))).reshape(len(x), -1)
        h = np.maximum(h @ W["fc1"].T + b("fc1"), 0)
        return h @ W["fc2"].T + b("fc2")
    raise SystemExit("unknown arch " + arch)


def idx(path):
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw[4 + 4 * dims:], np.uint8).reshape(shape)


def find(d, name):
    for p in (d / name, d / (name + ".gz")):
        if p.exists():
            return p
    raise SystemExit(f"{name} not in {d}")


if __name__ == "__main__":
    t, meta = load(sys.argv[1])
    data = Path(sys.argv[2] if len(sys.argv) > 2 else "data/mnist")
    assert meta["format"] in ("fedprune-tier/3", "fedprune-tier/2"), meta["format"]
    mean, std = float(meta["preprocessing.mean"]), float(meta["preprocessing.std"])
    images = idx(find(data, "t10k-images-idx3-ubyte")).astype(np.float32)
    labels = idx(find(data, "t10k-labels-idx1-ubyte"))
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else len(labels)
    x = ((images[:limit] / np.float32(255) - np.float32(mean)) / np.float32(std))[:, None]   # [B, 1, 28, 28]
    W = weights(t, meta)
    correct = sum(int((forward(meta["arch"], W, t, x[i:i + 500]).argmax(1) == labels[i:i + 500]).sum())
                  for i in range(0, limit, 500))
    print(f"{meta['tier']} ({meta['arch']}, keep {meta['keep']}): accuracy {correct / limit:.4f} on {limit} test images")
