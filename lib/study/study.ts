/**
 * The Study keeps the books: it asks its strategy for genomes, journals every trial, tells the strategy
 * finished batches in trial order, and replays its journal on load so a killed search resumes exactly.
 * It never evaluates (Evaluators do) and never proposes (Strategies do).
 */
import type { HardwarePrecheck } from '../../strategies/strategy.js';
import { HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { SearchSpace } from '../space/search-space.js';
import type { Genome } from '../space/genome.js';
import type { Evaluator, RungRecord } from '../eval/evaluator.js';
import { createStrategy, parseStrategyOptions } from '../../strategies/registry.js';
import type { Strategy } from '../../strategies/strategy.js';
import { JOURNAL_VERSION, type StudyEvent, type StudyRecord, type StudyStorage } from './events.js';
import { shouldStop, terminationSchema, trialsLeft, type Termination } from './termination.js';
import { isFeasible, wasTrained, type Constraint, type FinishedTrial, type Objective, type Trial, type TrialResult } from '../trial/index.js';
import { runIdentity } from './journal.js';
import { parseOrThrow } from '../validate.js';

/** What {@link createStudy} needs. */
export interface StudyOptions {
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly constraints?: readonly Constraint[];
  readonly strategy: { readonly name: string; readonly options?: Record<string, unknown> };
  readonly seed: number;
  readonly meta?: Record<string, unknown>;
  readonly storage: StudyStorage;
  /** Runtime only (not journaled): the strategy's hardware precheck (StrategyContext.precheck); give it again on load. */
  readonly precheck?: HardwarePrecheck;
  /**
   * Genomes evaluated first, before the strategy proposes any (as Optuna's enqueue_trial): e.g. a model zoo's
   * networks. Journaled with the study; the strategy learns from them through tell like from its own.
   */
  readonly enqueue?: readonly Genome[];
}

/** Counts over every trial of the study, across every resume, kept up to date as results arrive. */
export interface TrialCounts {
  readonly asked: number;
  readonly finished: number;
  readonly running: number;
  readonly complete: number;
  readonly infeasible: number;
  readonly failed: number;
  readonly pruned: number;
  /** Complete, within every constraint and with every objective measured ({@link isFeasible}). */
  readonly feasible: number;
  /** Children trained for their own trial ({@link wasTrained}: cache repeats excluded). */
  readonly trained: number;
}

/** Progress of a running optimisation, reported after every finished trial. */
export interface Progress extends TrialCounts {
  /** Target number of trials, when the termination has one. */
  readonly total?: number;
  /** The trial just finished. */
  readonly last: FinishedTrial;
  readonly elapsedMs: number;
  /** Estimated time to finish, when a target is known. */
  readonly etaMs?: number;
}

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions {
  readonly evaluator: Evaluator;
  readonly termination: Termination;
  /** Genomes evaluated at once; the ask batch is max(strategy batch, concurrency) (default 1). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

/** A search in progress: its trials, its strategy, its journal. */
export class Study {
  private readonly trialList: Trial[] = [];
  /** Ask ordinal of each trial (its batch: the cohort of synchronous successive halving). */
  private readonly batchOf: number[] = [];
  private asks = 0;
  /** Multi-fidelity rungs journaled so far, in journal order. */
  private readonly rungList: RungRecord[] = [];
  /** `trial/rung` of every journaled rung: a repeated one is found in O(1), not by rescanning the list. */
  private readonly rungKeys = new Set<string>();
  // Bookkeeping is incremental (O(1) per trial): a study of tens of thousands of trials must not rescan them.
  private readonly running = new Set<number>();
  /** Finished trials in number order; results arrive nearly in order, so insertion from the end is cheap. */
  private readonly finished: FinishedTrial[] = [];
  private readonly counts = { complete: 0, infeasible: 0, failed: 0, pruned: 0, feasible: 0, trained: 0 };
  /** Trials finished but not yet told to the strategy. */
  private untold: number[] = [];
  private tellSeq = 0;
  private closed = false;
  /** When the strategy's state was last written, and whether a tell since then still lacks its snapshot. */
  private snapshotAt = -Infinity;
  private snapshotPending = false;

  private constructor(
    readonly record: StudyRecord,
    readonly space: SearchSpace,
    private readonly strategy: Strategy,
    private readonly storage: StudyStorage,
    /** Digest of the create event: a strategy snapshot of another run is refused. */
    readonly identity: string,
  ) {}

  get objectives(): readonly Objective[] {
    return this.record.objectives;
  }
  get constraints(): readonly Constraint[] {
    return this.record.constraints;
  }
  get seed(): number {
    return this.record.seed;
  }
  get strategyName(): string {
    return this.record.strategy.name;
  }
  /** Where the journal lives. */
  get location(): string {
    return this.storage.location;
  }

  /** Every trial so far (running ones included), in number order. */
  trials(): readonly Trial[] {
    return this.trialList;
  }

  /** Finished trials, in number order (a copy). */
  finishedTrials(): FinishedTrial[] {
    return this.finished.slice();
  }

  /** Multi-fidelity rungs finished so far (every session), in journal order. */
  rungs(): readonly RungRecord[] {
    return this.rungList;
  }

  /** Trials asked but without a result (e.g. left running by a killed process). */
  runningTrials(): Trial[] {
    return [...this.running].sort((a, b) => a - b).map((n) => this.trialList[n]);
  }

  /** Counts over the whole study, every session included. */
  trialCounts(): TrialCounts {
    return { asked: this.trialList.length, finished: this.finished.length, running: this.running.size, ...this.counts };
  }

  private static makeStrategy(record: StudyRecord, space: SearchSpace, precheck?: HardwarePrecheck): Strategy {
    return createStrategy(
      record.strategy.name,
      {
        space,
        objectives: record.objectives,
        constraints: record.constraints,
        rng: Rng.fromSeed(record.seed).fork(`strategy/${record.strategy.name}`),
        ...(precheck ? { precheck } : {}),
      },
      record.strategy.options,
    );
  }

  /** Starts a new study in an empty storage. */
  static async create(o: StudyOptions): Promise<Study> {
    const existing = await o.storage.read();
    if (existing.length > 0) {
      throw new HwnasError('RUN_EXISTS', `${o.storage.location} already holds a study; resume it or choose another place`);
    }
    if (o.objectives.length === 0) throw new HwnasError('INPUT_OBJECTIVES', 'a study needs at least one objective');
    const options = parseStrategyOptions(o.strategy.name, o.strategy.options ?? {});
    for (const g of o.enqueue ?? []) {
      const issues = o.space.validate(g);
      if (issues.length > 0) throw new HwnasError('INPUT_ENQUEUE', `an enqueued genome does not fit space "${o.space.name}": ${issues.map((x) => `${x.path} ${x.message}`).join('; ')}`);
    }
    const record: StudyRecord = {
      space: o.space.toJSON(),
      objectives: o.objectives,
      constraints: o.constraints ?? [],
      strategy: { name: o.strategy.name, options },
      seed: o.seed,
      meta: o.meta ?? {},
      ...(o.enqueue && o.enqueue.length > 0 ? { enqueued: o.enqueue.map((g) => o.space.canonical(g)) } : {}),
    };
    const create: StudyEvent = { type: 'create', version: JOURNAL_VERSION, at: new Date().toISOString(), study: record };
    const study = new Study(record, o.space, Study.makeStrategy(record, o.space, o.precheck), o.storage, runIdentity(create));
    await o.storage.append(create, true);
    return study;
  }

  /**
   * Rebuilds a study from its storage: replays every event, restores the strategy from its last snapshot and
   * re-asks it the batches asked after that snapshot, checking they match the journal (same seed, same code).
   */
  static async load(storage: StudyStorage, runtime: { readonly precheck?: HardwarePrecheck } = {}): Promise<Study> {
    const events = await storage.read();
    const first = events[0];
    if (!first || first.type !== 'create') {
      throw new HwnasError('RUN_EMPTY', `${storage.location} holds no study (no create event)`);
    }
    if (first.version !== JOURNAL_VERSION) {
      throw new HwnasError('JOURNAL_VERSION', `${storage.location} is journal version ${first.version}; this hwnas reads ${JOURNAL_VERSION}`);
    }
    const record = first.study;
    const space = new SearchSpace(record.space);
    const study = new Study(record, space, Study.makeStrategy(record, space, runtime.precheck), storage, runIdentity(first));
    for (const e of events) study.apply(e);
    const tells = events.filter((e): e is Extract<StudyEvent, { type: 'tell' }> => e.type === 'tell');
    const told = new Set(tells.flatMap((e) => e.numbers));
    study.untold = study.finishedTrials().map((t) => t.number).filter((n) => !told.has(n));
    study.tellSeq = tells.length;
    // Restore the latest snapshot, then replay what the strategy saw after it: the asks (checked against the
    // journal: same seed and same code must propose the same genomes) and the tells.
    const stored = await storage.readSnapshot();
    let from = 0;
    if (stored) {
      if (stored.run !== study.identity) {
        throw new HwnasError(
          'SNAPSHOT_FOREIGN',
          `${storage.location}: the strategy snapshot beside it belongs to another run (run ${stored.run ?? 'unknown'}, this run ${study.identity}); ` +
            'delete it to replay this run from its journal alone',
        );
      }
      if (stored.snapshot?.strategy !== record.strategy.name) {
        throw new HwnasError(
          'SNAPSHOT_FOREIGN',
          `${storage.location}: the strategy snapshot is of strategy "${String(stored.snapshot?.strategy)}", this run uses "${record.strategy.name}"; delete it to replay the journal alone`,
        );
      }
      const at = events.findIndex((e) => e.type === 'tell' && e.seq === stored.seq);
      if (at < 0) {
        throw new HwnasError('JOURNAL_CORRUPT', `${storage.location}: the strategy snapshot follows tell ${stored.seq}, which the journal does not hold`);
      }
      try {
        study.strategy.restore(stored.snapshot);
      } catch (err) {
        throw new HwnasError('SNAPSHOT_INVALID', `${storage.location}: the strategy snapshot cannot be restored (${(err as Error).message}); delete it to replay the journal alone`);
      }
      from = at + 1;
    }
    for (const e of events.slice(from)) {
      if (e.type === 'ask') {
        const genomes = await study.propose(e.trials[0]?.number ?? 0, e.trials.length);
        genomes.forEach((g, j) => {
          if (space.key(g) !== e.trials[j].key) {
            throw new HwnasError(
              'RESUME_MISMATCH',
              `cannot resume ${storage.location}: trial ${e.trials[j].number} was asked as ${e.trials[j].key} but the strategy now proposes ${space.key(g)} (was the code or the configuration changed?)`,
            );
          }
        });
      } else if (e.type === 'tell') {
        await study.strategy.tell(e.numbers.map((n) => study.trialList[n] as FinishedTrial));
      }
    }
    // Killed between the last result and its tell: tell now, so the strategy learns before asking again.
    if (study.running.size === 0) await study.flush();
    return study;
  }

  private apply(e: StudyEvent): void {
    switch (e.type) {
      case 'ask':
        for (const t of e.trials) {
          if (t.number !== this.trialList.length) {
            throw new HwnasError('JOURNAL_CORRUPT', `trial ${t.number} asked out of order in ${this.storage.location}`);
          }
          this.trialList.push({ number: t.number, genome: t.genome, key: t.key, status: 'running', startedAt: e.at });
          this.batchOf.push(this.asks);
          this.running.add(t.number);
        }
        this.asks++;
        break;
      case 'rung': {
        if (!this.running.has(e.number)) {
          throw new HwnasError('JOURNAL_CORRUPT', `a rung of trial ${e.number}, which is ${this.trialList[e.number] ? 'not running' : 'unknown'}, in ${this.storage.location}`);
        }
        const key = `${e.number}/${e.rung}`;
        if (this.rungKeys.has(key)) {
          throw new HwnasError('JOURNAL_CORRUPT', `rung ${e.rung} of trial ${e.number} twice in ${this.storage.location}`);
        }
        this.rungKeys.add(key);
        this.rungList.push({ number: e.number, batch: e.batch, rung: e.rung, budget: e.budget, result: e.result });
        break;
      }
      case 'result': {
        const t = this.trialList[e.number];
        if (!t) throw new HwnasError('JOURNAL_CORRUPT', `result for unknown trial ${e.number} in ${this.storage.location}`);
        if (!this.running.has(e.number)) throw new HwnasError('JOURNAL_CORRUPT', `a second result for trial ${e.number} in ${this.storage.location}`);
        const done = { ...t, ...e.result, finishedAt: e.at } as FinishedTrial;
        this.trialList[e.number] = done;
        this.running.delete(e.number);
        this.count(done);
        let at = this.finished.length;
        while (at > 0 && this.finished[at - 1].number > done.number) at--;
        this.finished.splice(at, 0, done);
        break;
      }
      default:
        break;
    }
  }

  private count(t: FinishedTrial): void {
    this.counts[t.status]++;
    if (isFeasible(t, this.record.objectives)) this.counts.feasible++;
    if (wasTrained(t)) this.counts.trained++;
  }

  private async journal(e: StudyEvent, durable: boolean): Promise<void> {
    if (this.closed) throw new HwnasError('STUDY_CLOSED', 'this study is closed');
    await this.storage.append(e, durable);
    this.apply(e);
  }

  /** Asks the strategy for `n` genomes and journals them as running trials. */
  async ask(n: number): Promise<Trial[]> {
    if (!Number.isInteger(n) || n < 1) throw new HwnasError('INPUT_ASK', `ask needs a whole number ≥ 1, got ${n}`);
    const base = this.trialList.length;
    const genomes: Genome[] = await this.propose(base, n);
    const trials = genomes.map((genome, i) => {
      const issues = this.space.validate(genome);
      if (issues.length > 0) {
        throw new HwnasError(
          'STRATEGY_INVALID_GENOME',
          `strategy "${this.strategyName}" proposed an invalid genome: ${issues.map((x) => `${x.path} ${x.message}`).join('; ')}`,
        );
      }
      return { number: base + i, genome, key: this.space.key(genome) };
    });
    await this.journal({ type: 'ask', at: new Date().toISOString(), trials }, false);
    return trials.map((t) => this.trialList[t.number]);
  }

  /** Genomes of trials `first`…`first + n − 1`: the enqueued ones where they reach, then the strategy's. */
  private async propose(first: number, n: number): Promise<Genome[]> {
    const queued = (this.record.enqueued ?? []).slice(first, first + n);
    return queued.length < n ? [...queued, ...(await this.strategy.ask(n - queued.length))] : queued;
  }

  /**
   * Records the result of trial `number` (durably). Once no trial is left running, the finished batch is told
   * to the strategy in trial order and its new state journaled with it.
   */
  async tell(number: number, result: TrialResult): Promise<FinishedTrial> {
    const t = this.trialList[number];
    if (!t) throw new HwnasError('INPUT_TELL', `no trial ${number} in this study`);
    if (t.status !== 'running') throw new HwnasError('INPUT_TELL', `trial ${number} already finished (${t.status})`);
    await this.journal({ type: 'result', at: new Date().toISOString(), number, result }, true);
    this.untold.push(number);
    if (this.running.size === 0) await this.flush();
    return this.trialList[number] as FinishedTrial;
  }

  private async flush(): Promise<void> {
    if (this.untold.length === 0) return;
    const numbers = this.untold.sort((a, b) => a - b);
    this.untold = [];
    await this.strategy.tell(numbers.map((n) => this.trialList[n] as FinishedTrial));
    const seq = ++this.tellSeq;
    await this.journal({ type: 'tell', at: new Date().toISOString(), seq, numbers }, true);
    // A snapshot can grow with the run (NSGA-II's history of keys, REINFORCE's weights): written after every
    // tell it would make a long search quadratic. Resume replays whatever the journal holds after the last
    // snapshot, so writing one at most every SNAPSHOT_INTERVAL_MS (and at close) bounds that replay instead.
    if (performance.now() - this.snapshotAt >= SNAPSHOT_INTERVAL_MS) await this.writeSnapshot();
    else this.snapshotPending = true;
  }

  private async writeSnapshot(): Promise<void> {
    await this.storage.writeSnapshot({ seq: this.tellSeq, run: this.identity, snapshot: this.strategy.snapshot() });
    this.snapshotAt = performance.now();
    this.snapshotPending = false;
  }

  /**
   * Runs the search until the termination rule holds or `signal` aborts. Trials left running by an earlier,
   * killed session are evaluated first. Returns the finished trials.
   */
  async optimize(o: OptimizeOptions): Promise<FinishedTrial[]> {
    const termination = parseOrThrow(terminationSchema, o.termination, 'termination');
    const concurrency = o.concurrency ?? 1;
    const started = performance.now();
    const sessionStart = this.finished.length;
    for (;;) {
      o.signal?.throwIfAborted();
      let batch = this.runningTrials();
      if (batch.length === 0) {
        const trained = this.counts.trained;
        if (shouldStop(termination, this.finished.length, performance.now() - started, trained)) break;
        // With a trained-children budget, never ask more than could still be trained: the budget is exact.
        const trainedLeft = termination.trained === undefined ? Infinity : termination.trained - trained;
        const n = Math.min(Math.max(this.strategy.batchSize, concurrency), trialsLeft(termination, this.trialList.length), trainedLeft);
        if (n <= 0) break;
        batch = await this.ask(n);
      }
      await this.evaluateBatch(batch, o, termination, started, sessionStart);
    }
    return this.finishedTrials();
  }

  private async evaluateBatch(
    batch: readonly Trial[],
    o: OptimizeOptions,
    termination: Termination,
    started: number,
    sessionStart: number,
  ): Promise<void> {
    const requests = batch.map((t) => ({ genome: t.genome, trialNumber: t.number, seed: `${this.seed}/trial/${t.number}`, batch: this.batchOf[t.number] }));
    const done = new Set<number>();
    const onResult = async (i: number, result: TrialResult): Promise<void> => {
      if (done.has(i)) return;
      done.add(i);
      const finished = await this.tell(batch[i].number, result);
      if (o.onProgress) {
        const counts = this.trialCounts();
        const elapsedMs = performance.now() - started;
        const sessionDone = counts.finished - sessionStart;
        const total = termination.trials;
        o.onProgress({
          ...counts,
          total,
          last: finished,
          elapsedMs,
          etaMs: total !== undefined && sessionDone > 0 ? (elapsedMs / sessionDone) * Math.max(0, total - counts.finished) : undefined,
        });
      }
    };
    let results: TrialResult[];
    try {
      // Each rung of a multi-fidelity evaluation is journaled durably before anything depends on it, so a resume
      // reuses it (history) instead of training it again.
      const onRung = async (r: RungRecord): Promise<void> => this.journal({ type: 'rung', at: new Date().toISOString(), ...r }, true);
      results = await o.evaluator.evaluate(requests, { signal: o.signal, onResult, history: this.rungList, onRung });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      // An evaluator that breaks as a whole fails the unfinished trials, and the search goes on.
      const message = err instanceof Error ? err.message : String(err);
      results = batch.map(() => ({ status: 'failed' as const, metrics: {}, violations: {}, error: message, failure: 'evaluator' as const }));
    }
    for (let i = 0; i < batch.length; i++) if (!done.has(i)) await onResult(i, results[i]);
  }

  /** Closes the storage. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.snapshotPending) await this.writeSnapshot();
    this.closed = true;
    this.strategy.dispose?.();
    await this.storage.close();
  }
}

/** Least time between two strategy snapshots (resume replays the tells after the last one). */
export const SNAPSHOT_INTERVAL_MS = 1000;

/** Starts a new study (see {@link Study.create}). */
export const createStudy = (o: StudyOptions): Promise<Study> => Study.create(o);
/** Loads a study from its storage and prepares it to resume (see {@link Study.load}). */
export const loadStudy = (storage: StudyStorage, runtime: { readonly precheck?: HardwarePrecheck } = {}): Promise<Study> => Study.load(storage, runtime);
