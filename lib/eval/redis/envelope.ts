/**
 * What travels through the queue. A job's data is `{env, sig}`: `env` the JSON text of {@link JobEnvelope},
 * `sig` its HMAC-SHA256 under the shared secret, checked by the worker on the exact text before anything is
 * parsed or run — so a stray writer to Redis cannot make a worker run anything. A result travels as JSON text
 * too, with typed arrays (trained weights) kept as base64 so they come back as the same typed arrays.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerInfo } from '../executor.js';

/** This package's version: a worker of another version refuses jobs (payloads and results may differ). */
export const HWNAS_VERSION: string = readVersion();

// Up from this file (lib/… from sources, dist/lib/… when built) to the package's own package.json.
function readVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'hwnas' && pkg.version) return pkg.version;
  }
  return '0.0.0-unknown';
}

/** The signed content of a job. */
export interface JobEnvelope {
  /** hwnas version of the coordinator. */
  readonly hwnas: string;
  readonly task: string;
  readonly payload: unknown;
  readonly runId: string;
  /** The job's id in the queue (signed, so a signature cannot be moved to another job). */
  readonly jobId: string;
  /** sha256 digests of the datasets this job reads, as the coordinator has them (absent when it has none). */
  readonly datasets?: Readonly<Record<string, string>>;
}

/** A job's data in Redis. */
export interface JobData {
  readonly env: string;
  readonly sig: string;
}

/** A completed job's return value (JSON text of this). */
export interface JobResult {
  readonly result: unknown;
  readonly worker: WorkerInfo;
}

/** HMAC-SHA256 of `text` under `secret`, hex. */
export function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** Whether `sig` is the HMAC of `text` (constant-time compare). */
export function verify(secret: string, text: string, sig: unknown): boolean {
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(sign(secret, text), 'hex'), Buffer.from(sig, 'hex'));
}

/** Signs an envelope into a job's data. */
export function sealJob(secret: string, e: JobEnvelope): JobData {
  const env = encodeJson(e);
  return { env, sig: sign(secret, env) };
}

/**
 * A job id that is the same for the same task and payload in the same run: a resumed coordinator re-asking a
 * trial finds the job it queued before (still running, or finished while it was away) instead of a second one.
 * BullMQ ids may not contain ':'.
 */
export function jobIdFor(runId: string, task: string, payload: unknown): string {
  return `${runId}.${task}.${createHash('sha256').update(encodeJson(payload)).digest('hex').slice(0, 24)}`;
}

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Int16Array,
  Int8Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
} as const;
type TypedName = keyof typeof TYPED;

/** JSON text of `value`, typed arrays as `{"$typed": name, "b64": …}`. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypedName;
      if (name in TYPED) return { $typed: name, b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    }
    return v;
  });
}

/** Parses what {@link encodeJson} wrote. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && '$typed' in v && 'b64' in v) {
      const { $typed, b64 } = v as { $typed: string; b64: string };
      const Ctor = TYPED[$typed as TypedName];
      if (Ctor && typeof b64 === 'string') {
        const buf = Buffer.from(b64, 'base64');
        // Copy into a fresh, aligned buffer: a Buffer's offset need not suit the element size.
        const bytes = new Uint8Array(buf.byteLength);
        bytes.set(buf);
        return new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
      }
    }
    return v;
  });
}
