/** In-memory storage: for tests and throwaway studies. Events are deep-copied so callers cannot alias them. */
import type { StudyEvent, StudyStorage } from './events.js';

export class MemoryStorage implements StudyStorage {
  readonly location = 'memory';
  private readonly events: string[] = [];

  async read(): Promise<StudyEvent[]> {
    return this.events.map((e) => JSON.parse(e) as StudyEvent);
  }

  async append(event: StudyEvent): Promise<void> {
    this.events.push(JSON.stringify(event));
  }

  async close(): Promise<void> {}
}
