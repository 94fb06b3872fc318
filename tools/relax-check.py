#!/usr/bin/env python3
"""The exact relaxed top-k (k successive softmaxes) against its continuous limit on LeNet-300-100's real logits and
gradients, with the numpy reference's own functions (ss_forward/ss_backward, cl_forward/cl_backward).

    python3 tools/relax-check.py REFERENCE_DIR MODEL MNIST_DIR [STEPS]

REFERENCE_DIR holds dpp_prototype.py (the numpy prototype, see DESIGN.md); MODEL is a dense LeNet-300-100 as
`./fedprune local` caches it (work/models/lenet300-*.model); MNIST_DIR the four IDX files. For keep 2/5/10/25% it
takes the logits at the start of training (2 x per-row z-score of |w|) and after STEPS (default 200) DPP steps of the
reference (batch 128, Adam 0.1, T linear 5 -> 0.5, entropy 1e-3), draws Gumbel keys, takes G = dL/dA from a real
batch of 128 through the sampled masks, and prints per layer and temperature the cosine between the two relaxations'
gradients (whole layer, and the median and minimum over rows with a non-zero gradient), the norm ratio, the largest
gradient difference over the largest exact gradient, and the largest difference between the two soft masks.
"""
import json, struct, sys

import numpy as np


def read_model(path):
    """The FPMODEL1 file of io.fedprune.model.ModelFile: {tensor name: array}."""
    with open(path, 'rb') as f:
        data = f.read()
    pos = 0

    def utf():
        nonlocal pos
        (n,) = struct.unpack_from('>H', data, pos)
        pos += 2 + n
        return data[pos - n:pos].decode('utf-8')

    def i32():
        nonlocal pos
        (v,) = struct.unpack_from('>i', data, pos)
        pos += 4
        return v

    assert utf() == 'FPMODEL1', 'not a fedprune model file'
    utf()
    tensors = {}
    for _ in range(i32()):
        name = utf()
        shape = [i32() for _ in range(i32())]
        count = int(np.prod(shape))
        tensors[name] = np.frombuffer(data, dtype='<f4', count=count, offset=pos).reshape(shape).copy()
        pos += 4 * count
    return tensors


def main():
    ref, model, mnist = sys.argv[1:4]
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    sys.path.insert(0, ref)
    import os
    os.environ['MNIST_DIR'] = mnist
    import dpp_prototype as P
    P.DATA_DIRS.insert(0, mnist)
    t = read_model(model)
    W = [t[f'fc{l}.weight'] for l in (1, 2, 3)]
    b = [t[f'fc{l}.bias'] for l in (1, 2, 3)]
    Xtr, ytr, _, _ = P.load_mnist()
    rng = np.random.default_rng(0)
    for keep in [0.02, 0.05, 0.10, 0.25]:
        ks = P.ks_for(keep)
        D = P.init_D(W, 'mag', rng)
        for stage in ['start', 'trained']:
            if stage == 'trained':
                order = rng.permutation(len(Xtr))[:128 * steps]
                P.dpp_steps(D, W, b, ks, Xtr, ytr, order, 128, lambda i, n: 5.0 - 4.5 * i / max(n - 1, 1), P.Adam(D, 0.1),
                            rng, 1e-3, 'auto')
            keys = [Dl + P.gumbel(rng, Dl.shape) for Dl in D]
            M = [P.topk_mask(kk, k) for kk, k in zip(keys, ks)]
            idx = rng.choice(len(Xtr), 128, replace=False)
            _, _, gWe, _ = P.forward_backward(Xtr[idx], ytr[idx], [w * m for w, m in zip(W, M)], b)
            for l in range(3):
                k, n = ks[l], W[l].shape[1]
                if k >= n:
                    continue
                G = (gWe[l] * W[l]).astype(np.float64)
                for T in [5.0, 2.0, 1.0, 0.5]:
                    s = keys[l].astype(np.float64) / T
                    me, cache = P.ss_forward(s, k)
                    ge = P.ss_backward(G, cache) / T
                    mc, Fp, _ = P.cl_forward(s, k, maxit=100, tol=1e-10)
                    gc = P.cl_backward(G, Fp) / T
                    live = (np.linalg.norm(ge, axis=1) > 0) & (np.linalg.norm(gc, axis=1) > 0)
                    cos_row = (ge * gc).sum(1)[live] / (np.linalg.norm(ge, axis=1) * np.linalg.norm(gc, axis=1))[live]
                    print(json.dumps(dict(
                        keep=keep, logits=stage, layer=f'fc{l + 1}', n=n, k=k, T=T,
                        cos=round(float((ge * gc).sum() / (np.linalg.norm(ge) * np.linalg.norm(gc))), 4),
                        cos_row_median=round(float(np.median(cos_row)), 4), cos_row_min=round(float(cos_row.min()), 4),
                        norm_ratio=round(float(np.linalg.norm(gc) / np.linalg.norm(ge)), 3),
                        grad_maxdiff_rel=round(float(np.abs(gc - ge).max() / np.abs(ge).max()), 3),
                        mask_maxdiff=round(float(np.abs(mc - me).max()), 3))), flush=True)


if __name__ == '__main__':
    main()
