/**
 * The strategy registry: one const map, so `StrategyName` is a closed union. Adding a strategy = one line here.
 */
import { ConfigError } from '../lib/errors.js';
import { zodIssues } from '../lib/validate.js';
import { boStrategy } from './bo/index.js';
import { nsga2Strategy } from './nsga2/index.js';
import { hsconasStrategy } from './hsconas/index.js';
import { randomStrategy } from './random.js';
import { reinforceStrategy } from './reinforce/index.js';
import type { Strategy, StrategyContext, StrategyDefinition } from './strategy.js';

export const STRATEGIES = {
  random: randomStrategy,
  nsga2: nsga2Strategy,
  reinforce: reinforceStrategy,
  hsconas: hsconasStrategy,
  bo: boStrategy,
} as const satisfies Record<string, StrategyDefinition>;

/** Names of the registered strategies. */
export type StrategyName = keyof typeof STRATEGIES;

/** All registered names. */
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

/** Whether `name` is a registered strategy. */
export function isStrategyName(name: string): name is StrategyName {
  return Object.hasOwn(STRATEGIES, name);
}

/** The registry entry of `name` (throws a ConfigError for an unknown name). */
export function strategyDefinition(name: string): StrategyDefinition {
  if (!isStrategyName(name)) {
    throw new ConfigError([{ path: 'strategy.name', message: `unknown strategy "${name}"; known: ${STRATEGY_NAMES.join(', ')}` }]);
  }
  return STRATEGIES[name] as StrategyDefinition;
}

/** Validated options of strategy `name` (defaults filled in); throws a ConfigError listing every issue. */
export function parseStrategyOptions(name: string, options: unknown, prefix = 'strategy.options'): Record<string, unknown> {
  const def = strategyDefinition(name);
  const r = def.schema.safeParse(options ?? {});
  if (!r.success) throw new ConfigError(zodIssues(r.error, prefix), `invalid options for strategy "${name}"`);
  return r.data as Record<string, unknown>;
}

/** Creates strategy `name` with validated options. */
export function createStrategy(name: string, ctx: StrategyContext, options: unknown = {}): Strategy {
  const def = strategyDefinition(name);
  return def.create(ctx, parseStrategyOptions(name, options));
}
