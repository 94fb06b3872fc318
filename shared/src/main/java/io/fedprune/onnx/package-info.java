/**
 * ONNX models in and out of fedprune: {@link io.fedprune.onnx.OnnxImport} turns an {@code .onnx} file into a
 * {@link io.fedprune.model.Model} (a {@link io.fedprune.model.Graph} plus its weights), refusing anything outside
 * the supported operators with a one-line message. The protobuf messages ({@code io.fedprune.onnx.proto}) are
 * fedprune's own subset of ONNX's schema with ONNX's field numbers ({@code src/main/proto/onnx/onnx_subset.proto}).
 */
package io.fedprune.onnx;
