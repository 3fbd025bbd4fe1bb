/**
 * `hwnas worker --redis redis://host:port [--concurrency n]`: serves a search's training and hardware tasks from
 * a Redis queue, on this machine or any other that reaches Redis. Runs until stopped (Ctrl-C finishes the jobs in
 * hand first); exits with a clear error when Redis stays unreachable, and with status 2 when a job comes from
 * another hwnas version. Needs the coordinator's shared secret in $HWNAS_QUEUE_SECRET.
 */
import type { Command } from 'commander';
import { ConfigError, HwnasError } from '../errors.js';
import { parseOrThrow } from '../validate.js';
import { redisConnectionSchema } from '../eval/redis/options.js';
import { DEFAULT_STALL_TIMEOUT_MS, QueueWorker } from '../eval/redis/worker.js';
import { FlagReader } from './flags.js';

interface WorkerFlags {
  redis?: string;
  concurrency?: string;
  threads?: string;
  queue?: string;
  id?: string;
  stallTimeout?: string;
  maxStalls?: string;
  passwordEnv?: string;
  secretEnv?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsInsecure?: boolean;
  giveUpAfter?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('serve training and hardware tasks of searches started with --redis (needs $HWNAS_QUEUE_SECRET)')
    .option('--redis <url>', 'Redis url: redis://host:6379[/db], rediss:// for TLS (password in $HWNAS_REDIS_PASSWORD)')
    .option('--concurrency <n>', 'tasks at once on this machine (one thread each)', '1')
    .option('--threads <n>', 'wasm threads per training (default: cores / concurrency; lower it when several workers share a machine)')
    .option('--queue <name>', 'queue name, as the coordinator\'s executor.queue', 'hwnas')
    .option('--id <id>', 'worker id recorded with every result (default host:pid)')
    .option('--stall-timeout <ms>', `a job whose worker dies goes to another worker after this long`, String(DEFAULT_STALL_TIMEOUT_MS))
    .option('--max-stalls <n>', 'a job that stalled more often fails (e.g. it kills every worker)', '3')
    .option('--password-env <name>', 'environment variable with the Redis password', 'HWNAS_REDIS_PASSWORD')
    .option('--secret-env <name>', 'environment variable with the shared job-signing secret', 'HWNAS_QUEUE_SECRET')
    .option('--tls-ca <file>', 'CA certificate (PEM) of Redis\' TLS certificate')
    .option('--tls-cert <file>', 'client certificate (PEM) for TLS')
    .option('--tls-key <file>', 'client key (PEM) for TLS')
    .option('--tls-insecure', 'accept any TLS certificate (testing only)')
    .option('--give-up-after <s>', 'stop with an error when Redis stays unreachable this long', '300')
    .option('--quiet', 'no log lines')
    .action(async (f: WorkerFlags) => {
      const r = new FlagReader();
      if (!f.redis) r.add('--redis', 'is required: the url of the Redis the coordinator uses (redis://host:6379)');
      const concurrency = r.int('concurrency', f.concurrency, 1, 256) ?? 1;
      const threads = r.int('threads', f.threads, 1, 256);
      const stall = r.int('stall-timeout', f.stallTimeout, 200) ?? DEFAULT_STALL_TIMEOUT_MS;
      const maxStalls = r.int('max-stalls', f.maxStalls, 1, 1000) ?? 3;
      const giveUp = r.positive('give-up-after', f.giveUpAfter) ?? 300;
      if (r.issues.length) throw new ConfigError(r.issues, 'hwnas worker: bad arguments');
      const tls =
        f.tlsCa || f.tlsCert || f.tlsKey || f.tlsInsecure
          ? { ca: f.tlsCa, cert: f.tlsCert, key: f.tlsKey, rejectUnauthorized: !f.tlsInsecure }
          : undefined;
      const connection = parseOrThrow(
        redisConnectionSchema,
        { url: f.redis, queue: f.queue, passwordEnv: f.passwordEnv, secretEnv: f.secretEnv, tls },
        '',
        'hwnas worker: bad arguments',
      );
      const log = f.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      let fatal: string | null = null;
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const worker = new QueueWorker({
        connection,
        concurrency,
        threads,
        id: f.id,
        stallTimeoutMs: stall,
        maxStalls,
        log,
        onFatal: (reason) => {
          fatal = reason;
          stop();
        },
      });
      const onSignal = () => {
        log('stopping: finishing the jobs in hand (Ctrl-C again to quit now)');
        process.once('SIGINT', () => process.exit(130));
        stop();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const down = worker.watchConnection(giveUp * 1000, (reason) => {
        fatal = reason;
        stop();
      });
      try {
        await Promise.race([worker.start(), stopped]);
        await stopped;
      } finally {
        clearInterval(down);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await worker.close(fatal !== null);
      }
      // Connections cut off from Redis may hold the process open: it ends shortly after the error is printed.
      if (fatal) setTimeout(() => process.exit(), 1000).unref();
      if (fatal) throw new HwnasError(/another hwnas/.test(fatal) || /comes from hwnas/.test(fatal) ? 'INPUT_VERSION_MISMATCH' : 'REDIS_UNREACHABLE', fatal);
    });
}
