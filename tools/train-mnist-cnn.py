#!/usr/bin/env python3
"""Trains a small CNN with batch norm on MNIST and exports it to ONNX: the committed example model of docs/MODELS.md.

    apt-get install -y python3-torch python3-onnx      # Debian's packages; nothing else is needed
    /usr/bin/python3 tools/train-mnist-cnn.py [--data data/mnist] [--out models/mnist-cnn.onnx] [--epochs 2]

Inputs are pixel/255 (fedprune's default preprocessing, no standardisation), shape [batch, 1, 28, 28]; the output is
the 10 class logits. Three 3x3 Conv + BatchNormalization + Relu blocks (two followed by 2x2 MaxPool), Flatten and two
Gemm layers. Exported in inference form with the BatchNormalization nodes kept (TrainingMode.PRESERVE on a module in
eval mode), so that an importer has to fold them.

The committed models/mnist-cnn.onnx came from this script with the defaults (seed 1, 2 epochs): 115,354 parameters,
99.15% test accuracy in PyTorch. The run took 57 minutes on this project's shared 2-core machine under a load of about
25; an epoch is a few CPU-minutes.
"""
import argparse
import gzip
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    """An IDX file (plain or .gz) as a numpy array of its dimensions."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)      # 16 x 14 x 14
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)      # 32 x 7 x 7
        x = F.relu(self.bn3(self.conv3(x)))                       # 32 x 7 x 7
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--out", default="models/mnist-cnn.onnx")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--opset", type=int, default=13)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)

    def load(images, labels):
        x = torch.from_numpy(read_idx(os.path.join(args.data, images)).astype(np.float32) / 255.0).unsqueeze(1)
        y = torch.from_numpy(read_idx(os.path.join(args.data, labels)).astype(np.int64))
        return x, y

    xtr, ytr = load("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    xte, yte = load("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    model = SmallCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = args.epochs * ((len(xtr) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch + 1}/{args.epochs}: test accuracy {100 * acc:.2f}% ({time.time() - t0:.0f} s)")

    model.eval()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), args.out, opset_version=args.opset,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    m = onnx.load(args.out)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    print(f"wrote {args.out}: opset {args.opset}, {params} parameters, {os.path.getsize(args.out)} bytes, operators {ops}")
    print(f"test accuracy (PyTorch, pixel/255 inputs): {100 * acc:.2f}%")


if __name__ == "__main__":
    main()
