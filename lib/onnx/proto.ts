/**
 * The ONNX protobuf schema, loaded with protobufjs from the vendored `onnx.proto` (ONNX 1.12, Apache-2.0;
 * see the note at its top). Models are built as plain objects of the types below (protobufjs's camelCase
 * field names), checked against the schema and encoded by protobufjs: no hand-written wire format.
 *
 * The .proto is found next to this module when running from the sources, else under the package root
 * (`<root>/lib/onnx/onnx.proto`), so the compiled code in dist/ needs no copy step.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { HwnasError } from '../errors.js';

/** TensorProto.DataType values hwnas uses. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  DOUBLE: 11,
} as const;
export type DataTypeName = keyof typeof DataType;

/** AttributeProto.AttributeType values hwnas uses. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** An initializer (always `rawData`, little-endian, as the IR recommends for dense tensors). */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
  docString?: string;
}

/** A node attribute (only the kinds hwnas writes). */
export interface OnnxAttribute {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
  docString?: string;
}

/** A dimension: a fixed size or a named (symbolic) one such as the batch `N`. */
export type OnnxDim = { dimValue: number } | { dimParam: string };

export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: OnnxDim[] } } };
  docString?: string;
}

export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: OnnxGraph;
  metadataProps: { key: string; value: string }[];
}

/** Directory of this module (lib/onnx or dist/lib/onnx). */
const here = path.dirname(fileURLToPath(import.meta.url));

/** The hwnas package root (the nearest directory above this module whose package.json names hwnas), or null. */
export function packageRoot(): string | null {
  let dir = here;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hwnas') return dir;
      } catch {
        // not a package.json we can read: keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The hwnas package version (`0` when unknown), written as the models' producer version. */
export function packageVersion(): string {
  const root = packageRoot();
  if (!root) return '0';
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0';
  } catch {
    return '0';
  }
}

/** Path of the vendored onnx.proto, from the sources or from the compiled tree. */
export function onnxProtoPath(): string {
  const local = path.join(here, 'onnx.proto');
  if (fs.existsSync(local)) return local;
  // dist/lib/onnx: the .proto stays in the sources, under the package root.
  const root = packageRoot();
  const file = root ? path.join(root, 'lib', 'onnx', 'onnx.proto') : null;
  if (file && fs.existsSync(file)) return file;
  throw new HwnasError('ONNX_SCHEMA_MISSING', `onnx.proto not found next to ${here} nor under the hwnas package root`);
}

let root: protobuf.Root | null = null;

/** The loaded schema (cached). */
export function onnxSchema(): protobuf.Root {
  root ??= protobuf.loadSync(onnxProtoPath());
  return root;
}

function modelType(): protobuf.Type {
  return onnxSchema().lookupType('onnx.ModelProto');
}

/** Encodes a model; throws if it does not fit the schema. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const type = modelType();
  const problem = type.verify(model);
  if (problem) throw new HwnasError('ONNX_SCHEMA', `the ONNX model does not fit onnx.proto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes a model (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, enums: Number, arrays: true }) as unknown as OnnxModel;
}

/** A metadata property's value, or undefined. */
export function metadataValue(model: OnnxModel, key: string): string | undefined {
  return model.metadataProps.find((p) => p.key === key)?.value;
}
