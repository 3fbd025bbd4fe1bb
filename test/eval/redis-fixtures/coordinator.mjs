// A search whose evaluations run on `hwnas worker` processes through Redis (task `ping`, echoing the genome back
// after delayMs), run as a real child process by the coordinator-kill test.
// Usage: node coordinator.mjs <runDir> <redisUrl> <trials> <delayMs> <concurrency>
import { JournalStorage } from '../../../dist/lib/study/journal-storage.js';
import { createStudy, loadStudy } from '../../../dist/lib/study/study.js';
import { vectorSpace } from '../../../dist/lib/space/index.js';
import { RedisExecutor, defaultRunId } from '../../../dist/lib/eval/redis/executor.js';
import { redisExecutorConfigSchema } from '../../../dist/lib/eval/redis/options.js';

const [dir, url, trials, delayMs, concurrency] = process.argv.slice(2);
const space = vectorSpace('sphere', 3);
const objectives = [{ metric: 'f1', direction: 'minimize' }, { metric: 'f2', direction: 'minimize' }];
const config = redisExecutorConfigSchema.parse({ kind: 'redis', url, checkIntervalMs: 100, unreachableTimeoutMs: 5000 });
const executor = new RedisExecutor({ config, runId: defaultRunId(dir), concurrency: Number(concurrency), log: (l) => process.stderr.write(l + '\n') });
const evaluator = {
  async evaluate(requests, options) {
    return Promise.all(
      requests.map(async (req, i) => {
        const echo = await executor.run('ping', { delayMs: Number(delayMs), value: { trial: req.trialNumber, genome: req.genome } });
        const x = space.genes.map((gene) => echo.value.genome[gene.name]);
        const result = {
          status: 'complete',
          metrics: { f1: x.reduce((s, v) => s + v * v, 0), f2: x.reduce((s, v) => s + (v - 1) ** 2, 0) },
          violations: {},
          extra: { worker: echo.worker.id },
        };
        await options?.onResult?.(i, result);
        return result;
      }),
    );
  },
};
const storage = JournalStorage.open(dir);
const study = JournalStorage.exists(dir) && (await storage.read()).length > 0
  ? await loadStudy(storage)
  : await createStudy({ space, objectives, strategy: { name: 'random' }, seed: 7, storage });
await study.optimize({ evaluator, termination: { trials: Number(trials) }, concurrency: Number(concurrency) });
await study.close();
await executor.close();
process.stdout.write('done\n');
