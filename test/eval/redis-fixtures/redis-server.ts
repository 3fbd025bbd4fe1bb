/**
 * Test helpers: a real redis-server on a free loopback port (no persistence, so a restart loses every key),
 * and `hwnas worker` processes run from dist/ (the node process itself, so kill -9 hits the worker, not npx).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const BIN = path.join(ROOT, 'bin/hwnas.js');
/** The shared secret of the tests' queues. */
export const SECRET = 'test-secret-0123456789abcdef';

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running redis-server. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port (empty: no persistence). */
  restart(downMs?: number): Promise<void>;
}

/** TLS files of a test Redis (PEM). */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

async function startOn(port: number, extra: string[], tls?: TlsFiles): Promise<ChildProcess> {
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const child = spawn('redis-server', [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    child.once('error', reject);
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Starts redis-server on a free port (`extra` adds arguments, e.g. `--requirepass x`). */
export async function startRedis(extra: string[] = [], tls?: TlsFiles): Promise<RedisServer> {
  const port = await freePort();
  let child = await startOn(port, extra, tls);
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    stop: () => stopChild(child),
    restart: async (downMs = 0) => {
      await stopChild(child);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      child = await startOn(port, extra, tls);
    },
  };
}

/** A `hwnas worker` process with its output collected. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<number | null>;
  kill9(): Promise<void>;
}

/** Starts `node bin/hwnas.js worker --redis url …args`. */
export function startWorker(url: string, args: string[] = [], env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', url, ...args], {
    env: { ...process.env, HWNAS_QUEUE_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    waitFor: (re, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const tick = () => {
          const m = out.match(re);
          if (m) return resolve(m[0]);
          if (child.exitCode !== null) return reject(new Error(`worker exited (${child.exitCode}) before ${re}: ${out}`));
          if (Date.now() - t0 > timeoutMs) return reject(new Error(`no ${re} within ${timeoutMs} ms: ${out}`));
          setTimeout(tick, 20);
        };
        tick();
      }),
    exited: () => exit,
    kill9: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** A CA and a server certificate for 127.0.0.1 (IP SAN), made with openssl in `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hwnas-test-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key'), ca: path.join(dir, 'ca.pem') };
}
