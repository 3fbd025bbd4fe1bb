/**
 * Trained models on disk: `<dir>/model.json` (architecture, quantization, weight manifest) and
 * `<dir>/weights.bin` (the float32 weights, little-endian, in manifest order). A search saves each trained
 * child this way under `<run>/models/trial-<N>/`; the ONNX exporter loads them back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../errors.js';
import type { NamedArray, TrainedModel } from './build-model.js';

interface ModelManifest extends Omit<TrainedModel, 'weights'> {
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[]; readonly offset: number; readonly length: number }[];
}

/** Where trial `n`'s model lives in run directory `run`. */
export function trialModelDir(run: string, n: number): string {
  return path.join(run, 'models', `trial-${n}`);
}

/** Saves a trained model into `dir` (created); both files are written to temporaries and renamed. */
export function saveTrainedModel(dir: string, model: TrainedModel): void {
  fs.mkdirSync(dir, { recursive: true });
  let offset = 0;
  const entries = model.weights.map((w) => {
    const e = { name: w.name, shape: w.shape, offset, length: w.data.length };
    offset += w.data.length;
    return e;
  });
  const all = new Float32Array(offset);
  model.weights.forEach((w, i) => all.set(w.data, entries[i].offset));
  const bytes = Buffer.from(all.buffer, all.byteOffset, all.byteLength);
  if (!isLittleEndian()) throw new HwnasError('PLATFORM_UNSUPPORTED', 'model files are little-endian; this machine is not');
  const manifest: ModelManifest = { ...model, weights: entries };
  const tmpBin = path.join(dir, `weights.bin.tmp-${process.pid}`);
  const tmpJson = path.join(dir, `model.json.tmp-${process.pid}`);
  fs.writeFileSync(tmpBin, bytes);
  fs.writeFileSync(tmpJson, JSON.stringify(manifest));
  fs.renameSync(tmpBin, path.join(dir, 'weights.bin'));
  // model.json last: its presence means the weights beside it are complete.
  fs.renameSync(tmpJson, path.join(dir, 'model.json'));
}

/** Loads a model saved by {@link saveTrainedModel}; a clear error when it is missing or damaged. */
export function loadTrainedModel(dir: string): TrainedModel {
  const jsonFile = path.join(dir, 'model.json');
  const binFile = path.join(dir, 'weights.bin');
  if (!fs.existsSync(jsonFile) || !fs.existsSync(binFile)) {
    throw new HwnasError('MODEL_MISSING', `no trained model in ${dir} (model.json and weights.bin expected)`);
  }
  const manifest = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as ModelManifest;
  if (manifest.format !== 'hwnas-trained-cnn/1') {
    throw new HwnasError('MODEL_FORMAT', `${jsonFile}: unknown model format ${JSON.stringify(manifest.format)}`);
  }
  const buf = fs.readFileSync(binFile);
  const total = manifest.weights.reduce((s, w) => s + w.length, 0);
  if (buf.byteLength !== total * 4) {
    throw new HwnasError('MODEL_CORRUPT', `${binFile} holds ${buf.byteLength} bytes; the manifest needs ${total * 4}`);
  }
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const weights: NamedArray[] = manifest.weights.map((w) => ({ name: w.name, shape: w.shape, data: all.slice(w.offset, w.offset + w.length) }));
  return { ...manifest, weights };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
