/** In-memory storage: for tests and throwaway studies. Events are deep-copied so callers cannot alias them. */
import type { StoredSnapshot, StudyEvent, StudyStorage } from './events.js';

export class MemoryStorage implements StudyStorage {
  readonly location = 'memory';
  private readonly events: string[] = [];

  async read(): Promise<StudyEvent[]> {
    return this.events.map((e) => JSON.parse(e) as StudyEvent);
  }

  async append(event: StudyEvent): Promise<void> {
    this.events.push(JSON.stringify(event));
  }

  private snapshot: string | null = null;

  async writeSnapshot(stored: StoredSnapshot): Promise<void> {
    this.snapshot = JSON.stringify(stored);
  }

  async readSnapshot(): Promise<StoredSnapshot | null> {
    return this.snapshot === null ? null : (JSON.parse(this.snapshot) as StoredSnapshot);
  }

  async close(): Promise<void> {}
}
