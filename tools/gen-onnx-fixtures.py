#!/usr/bin/python3
"""Generates the small ONNX test models of shared/src/test/resources/onnx (committed; rerun to regenerate).

Needs Debian's python3-onnx and python3-numpy (apt-get install -y python3-onnx python3-numpy); no PyTorch.
Each model is a classifier with random weights from a fixed seed: one per supported operator (the operator between
a convolution or dense layer and a dense output layer) and three whole models: an MLP, a VGG-style CNN with batch
normalisation and a small ResNet with residual Adds. OnnxParityTest runs them in fedprune and in ONNX Runtime.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "src", "test", "resources", "onnx")
OPSET = 13


class G:
    """A graph under construction: nodes, initializers, and unique value names."""

    def __init__(self, name, seed):
        self.name, self.rng = name, np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def val(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, name=None, **attrs):
        out = self.val(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=name or f"/{out}/{op}", **attrs))
        return out

    def conv(self, x, cin, cout, k, layer, stride=1, pads=None, group=1, bias=True, **attrs):
        w = self.rng.normal(0, (2.0 / (cin // group * k * k)) ** 0.5, (cout, cin // group, k, k)).astype(np.float32)
        ins = [x, self.init(layer + ".weight", w)]
        if bias:
            ins.append(self.init(layer + ".bias", self.rng.normal(0, 0.1, cout).astype(np.float32)))
        if pads is not None:
            attrs["pads"] = pads
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride], group=group, **attrs)

    def bn(self, x, c, layer):
        return self.node("BatchNormalization", [
            x,
            self.init(layer + ".weight", self.rng.uniform(0.5, 1.5, c).astype(np.float32)),
            self.init(layer + ".bias", self.rng.normal(0, 0.1, c).astype(np.float32)),
            self.init(layer + ".running_mean", self.rng.normal(0, 0.1, c).astype(np.float32)),
            self.init(layer + ".running_var", self.rng.uniform(0.5, 1.5, c).astype(np.float32))], epsilon=1e-5)

    def gemm(self, x, fin, fout, layer, transB=1, **attrs):
        w = self.rng.normal(0, (2.0 / fin) ** 0.5, (fout, fin) if transB else (fin, fout)).astype(np.float32)
        b = self.rng.normal(0, 0.1, fout).astype(np.float32)
        return self.node("Gemm", [x, self.init(layer + ".weight", w), self.init(layer + ".bias", b)], transB=transB, **attrs)

    def matmul_add(self, x, fin, fout, layer):
        w = self.rng.normal(0, (2.0 / fin) ** 0.5, (fin, fout)).astype(np.float32)
        y = self.node("MatMul", [x, self.init(layer + "_w", w)])
        return self.node("Add", [y, self.init(layer + "_b", self.rng.normal(0, 0.1, fout).astype(np.float32))])

    def save(self, x_shape, out, classes, file=None):
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch"] + list(x_shape))
        outp = helper.make_tensor_value_info(out, TensorProto.FLOAT, ["batch", classes])
        graph = helper.make_graph(self.nodes, self.name, [inp], [outp], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="gen-onnx-fixtures")
        model.ir_version = 8
        onnx.checker.check_model(model)
        with open(os.path.join(OUT, (file or self.name) + ".onnx"), "wb") as f:
            f.write(model.SerializeToString())


def op_model(name, seed, body, x_shape=(2, 6, 6), conv_out=3):
    """input -> Conv(3x3, pad 1) -> body(value, channels, side) -> Flatten -> Gemm(4)."""
    g = G("op_" + name, seed)
    c, s = x_shape[0], x_shape[1]
    y = g.conv("input", c, conv_out, 3, "conv", pads=[1, 1, 1, 1])
    y, shape = body(g, y, (conv_out, s, s))
    if len(shape) == 3:
        y = g.node("Flatten", [y], axis=1)
    feats = int(np.prod(shape))
    out = g.gemm(y, feats, 4, "fc")
    g.save(x_shape, out, 4)


def main():
    os.makedirs(OUT, exist_ok=True)
    same = lambda g, y, s: (y, s)
    op_model("conv", 1, same)
    op_model("conv_stride_pads", 2, lambda g, y, s: (g.conv(y, s[0], 5, 3, "conv2", stride=2, pads=[0, 1, 2, 1]), (5, 3, 3)))
    op_model("conv_same_upper", 3, lambda g, y, s: (g.conv(y, s[0], 4, 2, "conv2", stride=2, auto_pad="SAME_UPPER"), (4, 3, 3)))
    op_model("conv_nobias", 4, lambda g, y, s: (g.conv(y, s[0], 4, 3, "conv2", bias=False), (4, 4, 4)))
    op_model("conv_depthwise", 5, lambda g, y, s: (g.conv(y, s[0], 2 * s[0], 3, "dw", pads=[1, 1, 1, 1], group=s[0]), (2 * s[0], 6, 6)))
    op_model("relu", 6, lambda g, y, s: (g.node("Relu", [y]), s))
    op_model("leakyrelu", 7, lambda g, y, s: (g.node("LeakyRelu", [y], alpha=0.2), s))
    op_model("sigmoid", 8, lambda g, y, s: (g.node("Sigmoid", [y]), s))
    op_model("tanh", 9, lambda g, y, s: (g.node("Tanh", [y]), s))
    op_model("clip", 10, lambda g, y, s: (g.node("Clip", [y, g.init("zero", np.float32(0)), g.init("six", np.float32(0.6))]), s))
    op_model("maxpool", 11, lambda g, y, s: (g.node("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), (s[0], 3, 3)))
    op_model("averagepool", 12, lambda g, y, s: (g.node("AveragePool", [y], kernel_shape=[2, 2], strides=[2, 2]), (s[0], 3, 3)))
    op_model("averagepool_pads", 13, lambda g, y, s: (g.node("AveragePool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), (s[0], 3, 3)))
    op_model("averagepool_include_pad", 14, lambda g, y, s: (g.node("AveragePool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1), (s[0], 3, 3)))
    op_model("globalaveragepool", 15, lambda g, y, s: (g.node("GlobalAveragePool", [y]), (s[0], 1, 1)))
    op_model("batchnorm_folded", 16, lambda g, y, s: (g.bn(y, s[0], "bn"), s))
    op_model("batchnorm_standalone", 17, lambda g, y, s: (g.bn(g.node("Relu", [y]), s[0], "bn"), s))
    op_model("add_residual", 18, lambda g, y, s: (g.node("Add", [g.conv(g.node("Relu", [y]), s[0], s[0], 3, "conv2", pads=[1, 1, 1, 1]), y]), s))
    op_model("dropout_identity", 19, lambda g, y, s: (g.node("Identity", [g.node("Dropout", [y])]), s))

    def reshape(g, y, s):
        shape = g.node("Constant", [], value=numpy_helper.from_array(np.array([0, -1], dtype=np.int64), "shape"))
        return g.node("Reshape", [y, shape]), (int(np.prod(s)),)
    op_model("reshape", 20, reshape)

    def gemm_plain(g, y, s):
        f = g.node("Flatten", [y], axis=1)
        return g.gemm(f, int(np.prod(s)), 7, "fc0", transB=0, alpha=0.5, beta=2.0), (7,)
    op_model("gemm_transb0_alpha_beta", 21, gemm_plain)

    def matmul(g, y, s):
        f = g.node("Flatten", [y], axis=1)
        return g.matmul_add(f, int(np.prod(s)), 7, "fc0"), (7,)
    op_model("matmul_add", 22, matmul)

    for head, seed in (("Softmax", 23), ("LogSoftmax", 24)):
        g = G("op_" + head.lower(), seed)
        y = g.conv("input", 2, 3, 3, "conv", pads=[1, 1, 1, 1])
        y = g.gemm(g.node("Flatten", [y], axis=1), 108, 4, "fc")
        g.save((2, 6, 6), g.node(head, [y], axis=-1), 4)

    # MLP on [N, 144] features: Gemm, MatMul + Add, Gemm
    g = G("mlp", 30)
    y = g.node("Relu", [g.gemm("input", 144, 32, "fc1")])
    y = g.node("Relu", [g.matmul_add(y, 32, 16, "fc2")])
    g.save((144,), g.gemm(y, 16, 10, "fc3"), 10)

    # VGG-style CNN with batch norm on [N, 3, 16, 16]
    g = G("vgg_bn", 31)
    y, c = "input", 3
    for i, (cout, pool) in enumerate(((8, False), (8, True), (16, True)), 1):
        y = g.node("Relu", [g.bn(g.conv(y, c, cout, 3, f"features.conv{i}", pads=[1, 1, 1, 1], bias=False), cout, f"features.bn{i}")])
        c = cout
        if pool:
            y = g.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    y = g.node("Flatten", [y], axis=1)
    y = g.node("Dropout", [g.node("Relu", [g.gemm(y, 16 * 4 * 4, 32, "classifier.fc1")])])
    g.save((3, 16, 16), g.node("Softmax", [g.gemm(y, 32, 10, "classifier.fc2")], axis=1), 10)

    # small ResNet on [N, 3, 16, 16]: stem, one identity block, one downsampling block, global pool, fc
    g = G("resnet_small", 32)
    y = g.node("Relu", [g.bn(g.conv("input", 3, 8, 3, "stem.conv", pads=[1, 1, 1, 1], bias=False), 8, "stem.bn")])

    def block(g, x, cin, cout, stride, name):
        h = g.node("Relu", [g.bn(g.conv(x, cin, cout, 3, name + ".conv1", stride=stride, pads=[1, 1, 1, 1], bias=False), cout, name + ".bn1")])
        h = g.bn(g.conv(h, cout, cout, 3, name + ".conv2", pads=[1, 1, 1, 1], bias=False), cout, name + ".bn2")
        skip = x if stride == 1 and cin == cout else g.bn(g.conv(x, cin, cout, 1, name + ".down", stride=stride, bias=False), cout, name + ".down_bn")
        return g.node("Relu", [g.node("Add", [h, skip])])
    y = block(g, y, 8, 8, 1, "layer1")
    y = block(g, y, 8, 16, 2, "layer2")
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])], axis=1)
    g.save((3, 16, 16), g.gemm(y, 16, 10, "fc"), 10)
    print("wrote", len(os.listdir(OUT)), "models to", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
