package io.fedprune.onnx;

/**
 * An ONNX model fedprune cannot load: not an ONNX file, truncated, or using an operator, attribute or shape outside
 * {@link OnnxImport#SUPPORTED}. The message is one line naming the node, the operator and what is supported.
 */
public final class OnnxImportException extends IllegalArgumentException {
    public OnnxImportException(String message) {
        super(message);
    }
}
