import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  databaseUrl,
  DEVELOPMENT_PAYLOAD_KEYS,
  exitOnConfigError,
  loadTemporalConfig,
  parseEnv,
} from '../config/config';
import { createPool } from '../db/pool';
import { APP_ROLE, DEVELOPMENT_ROLE_PASSWORDS } from '../db/roles';
import { readStackFile } from '../devstack/stack-file';
import { reconcile, type ReconcileReport } from '../domain/reconcile';
import { projectRoot } from '../shared/paths';
import { createCaseFactsReader } from '../temporal/case-facts';
import { createCaseWorkflows } from '../temporal/case-workflows';
import { caseloopDataConverter, parsePayloadKeys } from '../temporal/codec';
import { connectClient } from '../temporal/connection';

/**
 * `npm run reconcile [-- --repair] [-- --json]`: compares every open case's record with its
 * workflow. Exit 0 when nothing is left unrepaired, 1 otherwise, 78 for a bad configuration.
 * Configured like the API; with no DATABASE_URL it finds the dev stack (.data/stack.json, else
 * its default ports).
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--repair' && a !== '--json');
  if (unknown.length) {
    process.stderr.write(
      `Unknown argument(s): ${unknown.join(' ')}\nUsage: npm run reconcile -- [--repair] [--json]\n`,
    );
    return 64;
  }
  const config = loadConfig(process.env);
  const pool = createPool(config.databaseUrl, 2);
  try {
    const client = await connectClient(config.temporal, caseloopDataConverter(config.payloadKeys)).catch(
      (err: unknown) => {
        throw new Error(`Cannot reach Temporal at ${config.temporal.address}: ${(err as Error).message}`);
      },
    );
    try {
      const report = await reconcile(
        {
          pool,
          workflows: createCaseWorkflows(client, config.temporal.taskQueue),
          facts: createCaseFactsReader(client),
        },
        { repair: args.includes('--repair') },
      );
      process.stdout.write(args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : render(report));
      return report.unrepaired === 0 ? 0 : 1;
    } finally {
      await client.connection.close();
    }
  } finally {
    await pool.end();
  }
}

function loadConfig(env: NodeJS.ProcessEnv) {
  const stack = env.DATABASE_URL
    ? undefined
    : readStackFile(path.resolve(env.DATA_DIR ?? path.join(projectRoot(), '.data')));
  const devDatabaseUrl = `postgres://${APP_ROLE}:${DEVELOPMENT_ROLE_PASSWORDS.app}@127.0.0.1:${env.DEV_PG_PORT ?? 5433}/caseloop`;
  const withDefaults = {
    ...env,
    DATABASE_URL: env.DATABASE_URL || stack?.databaseUrl || devDatabaseUrl,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS || stack?.temporalAddress,
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE || stack?.taskQueue,
  };
  const e = parseEnv(z.object({ DATABASE_URL: databaseUrl }), withDefaults);
  let payloadKeys;
  try {
    payloadKeys = parsePayloadKeys(env.PAYLOAD_KEYS ?? DEVELOPMENT_PAYLOAD_KEYS);
  } catch (err) {
    throw new ConfigError([{ variable: 'PAYLOAD_KEYS', message: (err as Error).message }]);
  }
  return { databaseUrl: e.DATABASE_URL, temporal: loadTemporalConfig(withDefaults), payloadKeys };
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function render(report: ReconcileReport): string {
  const rows = [
    ['case', 'field', 'record', 'workflow', 'repaired', 'action'],
    ...report.differences.map((d) => [
      d.reference,
      d.field,
      show(d.record),
      show(d.workflow),
      d.repaired ? 'yes' : 'no',
      d.action,
    ]),
    ...report.notCompared.map((n) => [n.reference, '-', '-', '-', '-', n.reason]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table =
    rows.length > 1
      ? rows
          .map((r) =>
            r
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          )
          .join('\n') + '\n'
      : '';
  const repaired = report.differences.length - report.unrepaired;
  return `${table}${report.checked} case(s) checked, ${report.differences.length} difference(s), ${repaired} repaired, ${report.unrepaired} unrepaired, ${report.notCompared.length} not compared (generation 1, or changes still on their way)\n`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) exitOnConfigError(err);
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
