/**
 * Progress display for long jobs: a live bar on a terminal, periodic lines when output is piped,
 * one JSON object per event with --json, nothing with --quiet.
 */
import cliProgress from 'cli-progress';
import type { ProgressSink, ProgressSinkFactory, ProgressUpdate } from '../search/progress.js';

/** How progress is shown. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'json' | 'quiet';

/** The sink factory of a display mode (none for `quiet`: a quiet run computes no progress figures). */
export function progressSinks(mode: ProgressMode): ProgressSinkFactory | undefined {
  return mode === 'quiet' ? undefined : (label) => new ProgressReporter(label, mode);
}

function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** A progress reporter for one job. */
export class ProgressReporter implements ProgressSink {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private readonly mode: Exclude<ProgressMode, 'auto'>;

  constructor(
    private readonly label: string,
    mode: ProgressMode = 'auto',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.mode = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  }

  /** Shows an update. */
  update(u: ProgressUpdate): void {
    const fields = Object.entries(u.fields ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(' | ');
    switch (this.mode) {
      case 'quiet':
        return;
      case 'json':
        process.stdout.write(JSON.stringify({ event: 'progress', job: this.label, ...u }) + '\n');
        return;
      case 'lines': {
        const now = Date.now();
        const last = u.total !== undefined && u.done >= u.total;
        if (now - this.lastLine < 2000 && !last) return;
        this.lastLine = now;
        this.stream.write(`${this.label}: ${u.done}${u.total !== undefined ? `/${u.total}` : ''} | ${fields} | eta ${formatEta(u.etaMs)}\n`);
        return;
      }
      case 'bar': {
        if (!this.bar) {
          this.bar = new cliProgress.SingleBar(
            {
              format: `${this.label} [{bar}] {value}/{total} | {fields} | eta {etaText}`,
              stream: this.stream,
              hideCursor: true,
              clearOnComplete: false,
            },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(u.total ?? 0, 0, { fields: '', etaText: '?' });
        }
        if (u.total !== undefined) this.bar.setTotal(u.total);
        this.bar.update(u.done, { fields, etaText: formatEta(u.etaMs) });
      }
    }
  }

  /** A one-off message (a warning, a stage change). */
  message(text: string): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      process.stdout.write(JSON.stringify({ event: 'message', job: this.label, text }) + '\n');
      return;
    }
    if (this.bar) this.stream.write('\n');
    this.stream.write(`${text}\n`);
  }

  /** Ends the display. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
