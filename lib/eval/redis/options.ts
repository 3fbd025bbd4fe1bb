/**
 * Options of the Redis executor and of `hwnas worker`: where Redis is, how to authenticate (password, TLS), the
 * shared secret that signs jobs, and the queue's timings. Secrets never sit in a configuration: the password and
 * the signing secret come from environment variables (their names are configurable), because the configuration
 * is written into the run's journal.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { RedisOptions } from 'bullmq';
import { z } from 'zod';
import { ConfigError, HwnasError } from '../../errors.js';

/** Default names of the environment variables holding the secrets. */
export const DEFAULT_PASSWORD_ENV = 'HWNAS_REDIS_PASSWORD';
export const DEFAULT_SECRET_ENV = 'HWNAS_QUEUE_SECRET';

/** TLS to Redis (`rediss://` turns it on with the system's CAs); files are PEM. */
export const redisTlsSchema = z
  .object({
    /** CA certificate file that signed Redis' certificate. */
    ca: z.string().min(1).optional(),
    /** Client certificate and key files (Redis `tls-auth-clients yes`). */
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** Accept a certificate no CA vouches for (testing only). Default true = verify. */
    rejectUnauthorized: z.boolean().default(true),
    /** Server name to check the certificate against (default: the url's host). */
    servername: z.string().min(1).optional(),
  })
  .strict();

const redisUrl = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a url like redis://host:6379, got ${JSON.stringify(s)}` });
      return;
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
      ctx.addIssue({ code: 'custom', message: `must start with redis:// or rediss:// (TLS), got ${JSON.stringify(u.protocol)}` });
    }
    if (u.password) {
      ctx.addIssue({ code: 'custom', message: `must not hold a password (it would be written into the run's journal): set $${DEFAULT_PASSWORD_ENV} instead` });
    }
  });

/** The connection part, shared by the coordinator and the workers. */
export const redisConnectionSchema = z
  .object({
    /** `redis://host:port[/db]`, or `rediss://` for TLS; a user name may be given, a password may not. */
    url: redisUrl,
    /** Environment variable holding the Redis password (AUTH), if Redis wants one. */
    passwordEnv: z.string().min(1).default(DEFAULT_PASSWORD_ENV),
    tls: redisTlsSchema.optional(),
    /** Queue name; coordinator and workers must agree. Several searches may share one queue. */
    queue: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default('hwnas'),
    /** Environment variable holding the shared secret that signs every job (HMAC-SHA256). */
    secretEnv: z.string().min(1).default(DEFAULT_SECRET_ENV),
  })
  .strict();

/** `executor: {kind: "redis", …}` in a search configuration. */
export const redisExecutorConfigSchema = redisConnectionSchema
  .extend({
    kind: z.literal('redis'),
    /** Trials kept in flight at once (≥ the workers' total concurrency keeps them all busy). Default: `workers`, else 8. */
    concurrency: z.number().int().min(1).max(1024).optional(),
    /** Give up with a clear error when Redis stays unreachable this long (ms). */
    unreachableTimeoutMs: z.number().int().min(100).default(60_000),
    /** How often the coordinator checks its jobs are still in Redis (a lost one is queued again), ms. */
    checkIntervalMs: z.number().int().min(20).default(1000),
    /** Identity of the run in the queue (set when a search starts; jobs of a resumed run keep their ids). */
    runId: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
  })
  .strict();

/** A validated Redis connection. */
export type RedisConnectionConfig = z.output<typeof redisConnectionSchema>;
/** A validated `executor: {kind: "redis"}`. */
export type RedisExecutorConfig = z.output<typeof redisExecutorConfigSchema>;

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError([{ path: `tls.${what}`, message: `cannot read ${file}: ${(err as Error).message}` }]);
  }
}

/**
 * ioredis options for a connection: host, port, db, user from the url; the password from its environment
 * variable; TLS from `rediss://` and the tls block. `maxRetriesPerRequest: null` is what BullMQ requires (it
 * retries itself); reconnection backs off to 2 s and never stops (the callers' watchdogs decide when to give up).
 */
export function redisOptions(c: RedisConnectionConfig): RedisOptions {
  const u = new URL(c.url);
  const password = process.env[c.passwordEnv] || undefined;
  const useTls = u.protocol === 'rediss:' || c.tls !== undefined;
  const tls = useTls
    ? {
        ca: c.tls?.ca ? readFile(c.tls.ca, 'ca') : undefined,
        cert: c.tls?.cert ? readFile(c.tls.cert, 'cert') : undefined,
        key: c.tls?.key ? readFile(c.tls.key, 'key') : undefined,
        rejectUnauthorized: c.tls?.rejectUnauthorized ?? true,
        // SNI takes host names only (RFC 6066); an IP address is checked against the certificate's IP SANs.
        servername: c.tls?.servername ?? (net.isIP(u.hostname) ? undefined : u.hostname),
      }
    : undefined;
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new ConfigError([{ path: 'url', message: `database must be a number, got ${u.pathname}` }]);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password,
    tls,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(2000, 50 * times),
  };
}

/** A url without credentials, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return url;
  }
}

/** The shared signing secret from its environment variable; a clear error when it is missing or too short. */
export function readSecret(envName: string): string {
  const s = process.env[envName];
  if (!s) {
    throw new HwnasError(
      'INPUT_QUEUE_SECRET',
      `$${envName} is not set: the coordinator and every worker need the same shared secret to sign and check jobs (e.g. export ${envName}=$(openssl rand -hex 32))`,
    );
  }
  if (s.length < 16) throw new HwnasError('INPUT_QUEUE_SECRET', `$${envName} is too short (${s.length} characters); use at least 16`);
  return s;
}
