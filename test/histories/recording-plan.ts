/**
 * What a history recording run may write. A generation's histories are recorded once, when its code
 * is released: recording them again would record today's code under yesterday's name, and the
 * replay test would then prove nothing about the cases still running yesterday's code.
 */
export function scenariosToRecord<S extends { name: string }>(
  prefix: string | undefined,
  scenarios: readonly S[],
  recordedFiles: readonly string[],
): S[] {
  if (!prefix?.trim()) {
    throw new Error(
      'HISTORIES_PREFIX is required: name the generation being recorded, e.g. ' +
        '`HISTORIES_PREFIX=v7 npm run histories:record` records the scenarios whose names start with v7.',
    );
  }
  const chosen = scenarios.filter((s) => s.name.startsWith(prefix));
  if (chosen.length === 0) {
    throw new Error(
      `No history scenario's name starts with '${prefix}'; add one to test/histories/scenarios.ts ` +
        `(scenarios: ${scenarios.map((s) => s.name).join(', ')}).`,
    );
  }
  const taken = recordedFiles.filter((f) => f.startsWith(prefix));
  if (taken.length > 0) {
    throw new Error(
      `Refusing to overwrite recorded histories starting with '${prefix}': ${taken.join(', ')}. ` +
        "They prove that today's code replays what released code did; record the new generation " +
        'under a new prefix instead.',
    );
  }
  return chosen;
}
