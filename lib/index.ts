/**
 * hwnas — hardware/software co-design neural architecture search.
 *
 * The public API, in one list. The pieces plug together as DESIGN.md §1 draws them:
 * a {@link SearchSpace} (the one genome encoding) → a Strategy proposes genomes → a {@link Study} journals
 * trials → an Evaluator (two-stage: hardware model first, training only for feasible designs) measures them →
 * Pareto tools summarise → report and ONNX export.
 *
 * @packageDocumentation
 */

// Errors, randomness, validation
export { HwnasError, ConfigError, WorkerError, type Issue } from './errors.js';
export { Rng, type RngState } from './rng.js';

// The genome encoding
export * from './space/index.js';

// Studies: trials, journal, resume, summaries
export * from './trial/index.js';
export { Study, createStudy, loadStudy, type StudyOptions, type OptimizeOptions, type Progress, type TrialCounts } from './study/study.js';
export { parseJournal, readJournalFile, replayTrials, runIdentity, journalFile } from './study/journal.js';
export { JournalStorage, type JournalOptions } from './study/journal-storage.js';
export { MemoryStorage } from './study/memory-storage.js';
export type { StudyEvent, StudyRecord, StudyStorage, StoredSnapshot } from './study/events.js';
export { terminationSchema, type Termination } from './study/termination.js';
export * from './study/summary.js';

// Pareto tools
export * from './pareto.js';

// Strategies
export type { Strategy, StrategyContext, StrategyDefinition, StrategySnapshot } from '../strategies/strategy.js';
export { defineStrategy } from '../strategies/strategy.js';
export { STRATEGIES, STRATEGY_NAMES, createStrategy, parseStrategyOptions, type StrategyName } from '../strategies/registry.js';
/** Constrained multi-objective Bayesian optimisation (GP surrogates, EHVI/ParEGO × P(feasible), Kriging-believer batches). */
export { createBo, boOptionsSchema, type BoOptions } from '../strategies/bo/index.js';

// Evaluation
export type { Evaluator, EvalRequest, EvaluateOptions } from './eval/evaluator.js';
export { TwoStageEvaluator, type HardwareStage, type TrainingStage, type HardwareOutcome, type TrainingOutcome, type TwoStageStats } from './eval/two-stage.js';
export { WorkerPool, type PoolOptions } from './eval/pool.js';
/** Multi-fidelity evaluation (successive halving, Hyperband, ASHA): the `fidelity` option, its rungs and the scheduler the two-stage evaluator runs. */
export { fidelityConfigSchema, rungBudgets, bracketCount, FIDELITY_METHODS, type FidelityConfig, type FidelityMethod } from './eval/fidelity/options.js';
export { fidelityPlan, runFidelity, isPromotable, type FidelityPlan, type FidelityRun } from './eval/fidelity/scheduler.js';
export type { RungRecord } from './eval/evaluator.js';
/** Where worker tasks run: the local pool or a Redis queue served by `hwnas worker` processes (see README, "Trials across machines"). */
export type { TaskExecutor, WorkerInfo } from './eval/executor.js';
export { RedisExecutor, type RedisExecutorOptions } from './eval/redis/executor.js';
export { QueueWorker, type QueueWorkerOptions } from './eval/redis/worker.js';
export { redisExecutorConfigSchema, redisConnectionSchema, type RedisExecutorConfig, type RedisConnectionConfig } from './eval/redis/options.js';

// Benchmark problems
export { PROBLEMS, PROBLEM_NAMES, problemByName, type ProblemName } from '../problems/index.js';
export { ProblemEvaluator, type Problem, type BenchmarkProblem, type ProblemSource } from '../problems/problem.js';
// Users' own problems: defined in code, or a table of designs
export { defineProblem, loadProblemFile, type ProblemDefinition } from '../problems/define.js';
export { tableProblem, parseObjectiveList, type TableProblemOptions } from '../problems/table.js';

// Hardware models
export {
  DEVICES,
  DEVICE_NAMES,
  resolveDevice,
  type Device,
  HARDWARE_MODELS,
  HARDWARE_MODEL_NAMES,
  hardwareModel,
  evaluateBatch as evaluateHardware,
  parseHardwareSpec,
  hardwareSpecSchema,
  type HardwareModel,
  type HardwareModelName,
  type HardwareReport,
  type HardwareSpec,
} from '../hardware/index.js';

/**
 * Everything of the hardware models under one name: the tiling model (`hardware.tiledLatency`,
 * `hardware.bestLayerTiling`, `hardware.roofline`), the per-layer implementation options
 * (`hardware.stageOptions`), the DP mapper (`hardware.mapPipeline`), multi-FPGA partitioning, devices.
 */
export * as hardware from '../hardware/index.js';

// Training
export { trainGenome, type TrainRequest, type TrainResult } from './train/train.js';
export { PARALLEL_MODES, type ParallelChoice, type ParallelInfo } from './train/parallel/mode.js';
export { loadDataset, DATASET_NAMES, datasetStatus, datasetInfo, type DatasetName, type DatasetRef, type Dataset } from './train/datasets/registry.js';
export { loadCustomData, detectDatasetKind, type CustomDatasetSpec, type CustomData } from './train/datasets/custom.js';
export { saveTrainedModel, loadTrainedModel, trialModelDir } from './train/model-store.js';
/** Retraining a found design to its real accuracy, checkpointed after every epoch (`hwnas train`). */
export { retrain, retrainDir, readRetrainRecord, type RetrainOptions, type RetrainRecord, type EpochRecord } from './train/retrain.js';
export type { TrainedModel } from './train/build-model.js';
/** Compression masks (HotNAS spaces): chosen from the starting weights, kept zero through training and export. */
export { chooseMasks, maskArrays, maskWeights, type CompressionMasks, type LayerMasks } from './train/masks.js';

// Searches as a user runs them
export { searchConfigSchema, parseSearchConfig, defaultSearchConfig, type SearchConfig, type SearchConfigInput } from './config.js';
export { runJointSearch, JOINT_OBJECTIVES } from './search/run-joint.js';
export { runProblemSearch, problemOfConfig, type ProblemSearchOptions } from './search/run-problem.js';
export { runStudy, openStudy, type RunStudyOptions } from './search/run-study.js';
export { SILENT, type ProgressSink, type ProgressSinkFactory, type ProgressUpdate } from './search/progress.js';
export { runMethod, METHODS, fixedArchitectureOf, medianArchitecture, FIXED_ARCHITECTURE_RULES, type FixedArchitectureChoice, type Method, type MethodResult } from './search/baselines.js';
export { runCompare, compareConfigSchema, parseCompareConfig, type CompareConfig } from './search/compare.js';
/** NASAIC: two networks and a heterogeneous ASIC searched together under latency/energy/area specs, and the successive baseline. */
export { runNasaicSearch, NASAIC_OBJECTIVES, type NasaicRunOptions, type NasaicRunResult } from './search/nasaic/run.js';
export { runSuccessive, type SuccessiveResult } from './search/nasaic/successive.js';
export { runNasaicCompare, nasaicRatios, NASAIC_PAPER, type NasaicCompareRow } from './search/nasaic/compare.js';
export { nasaicConfigSchema, parseNasaicConfig, NASAIC_DEFAULT_SPECS, type NasaicConfig } from './search/nasaic/config.js';
export { nasaicReward } from './search/nasaic/reward.js';
/** The NASAIC space and its decoders (each task's network genome, the heterogeneous accelerator). */
export { nasaicSpace, decodeTasks, decodeHeteroDesign, NASAIC_MNIST_FASHION, type HeteroDesign, type NasaicSpaceOptions } from './space/nasaic.js';
/** NAS-Bench-201 architecture strings and the layer list of the CIFAR network a cell builds. */
export { parseNb201Arch, formatNb201Arch, nb201Layers } from './space/nb201-network.js';

/**
 * Measured latency on this CPU (HSCoNAS, issue 14): `runProfile` measures a predictor in onnxruntime-node,
 * `measureOnnx` times a model the way the predictor was timed, `MeasuredLatencyPredictor` / `loadPredictor` read a
 * predictor file, `latencyPredictorOf` gives any hardware model's latency of a decoded architecture.
 */
export { runProfile, measureOnnx, validatePredictor, DEFAULT_PROFILE, type ProfileOptions, type ProfileResult } from './profile/profile.js';
/**
 * Use-time recalibration of the ORT CPU predictor: `recalibrate` times a panel of networks now and fits the map from
 * the stored predictions to the machine's speed now; `recalibrateFile` stores it in the predictor file (what `hwnas
 * profile --recalibrate` runs); `fitRecalibration` is the fit alone.
 */
export { recalibrate, recalibrateFile, DEFAULT_RECALIBRATION_PANEL, type RecalibrateOptions, type RecalibrateResult } from './profile/recalibrate.js';
export { fitRecalibration, type Recalibration } from '../hardware/predictor/recalibration.js';
export {
  MeasuredLatencyPredictor, loadPredictor, predictorPath, parsePredictorFile, latencyPredictorOf, ortCpuModel,
  type LatencyPredictor, type PredictorFile, type PredictionAccuracy,
} from '../hardware/predictor/index.js';
/** The HSCoNAS strategy (evolution with channel scaling and space shrinking). */
export { createHsconas, hsconasOptionsSchema, type HsconasOptions, type HsconasStrategy } from '../strategies/hsconas/index.js';

/**
 * Model zoo and hot start (HotNAS, issue 15): `buildZoo` trains a space's reference networks (resumable),
 * `openZoo` reads a zoo (zod-checked manifest, digest), `zooSeedGenomes` maps its networks into a searched space,
 * `warmRequestFields` picks a child's nearest zoo model; `genomeDistance` / `mapGenome` (lib/space) and
 * `inheritWeights` (lib/train) do the work underneath.
 */
export { buildZoo, ZOO_DEFAULTS, type ZooBuildOptions, type ZooBuildResult } from './zoo/build.js';
export { openZoo, zooDigest, zooManifestSchema, type Zoo, type ZooManifest, type ZooModel } from './zoo/manifest.js';
export { zooSeedGenomes, warmRequestFields, nearestZooModel, openSearchZoo, WARM_MAX_DISTANCE, WARM_DEFAULT_IMAGES } from './zoo/warm.js';
export { genomeDistance, nearestGenome, mapGenome, spaceCompatibilityIssues, MISSING_LAYER_COST } from './space/genome-distance.js';
export { referenceGenomes, REFERENCE_ARCHETYPES, type ReferenceGenome } from './space/reference-genomes.js';
export { inheritWeights, type InheritStats } from './train/inherit.js';

// ONNX export and the report
export { buildOnnxModel } from './onnx/export.js';
export { exportRun } from './onnx/export-run.js';
export { verifyExport } from './onnx/verify.js';
export { checkOnnxFile } from './onnx/checker.js';
export { renderReport, type ReportOptions } from './report/html.js';
export { loadRun } from './report/load.js';
