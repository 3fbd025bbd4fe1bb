/** Closing BullMQ objects in bounded time. */

const sleep = (ms: number) =>
  new Promise<void>((r) => {
    setTimeout(r, ms).unref();
  });

/**
 * Closes BullMQ objects, but never waits more than `ms` (closing sends commands, which wait for an unreachable
 * Redis forever): after that their connections are dropped, without waiting for that either.
 */
export async function closeWithin(ms: number, items: readonly { close(): Promise<unknown>; disconnect(): Promise<unknown> }[]): Promise<void> {
  const closed = await Promise.race([Promise.allSettled(items.map((i) => i.close())).then(() => true), sleep(ms).then(() => false)]);
  if (closed) return;
  for (const i of items) void i.disconnect().catch(() => {});
  await sleep(50);
}
