import { createPool } from '../db/pool';
import { reconcile, type ReconcileReport } from '../domain/reconcile';
import { createCaseFactsReader } from '../temporal/case-facts';
import { createCaseWorkflows } from '../temporal/case-workflows';
import { caseloopDataConverter } from '../temporal/codec';
import { connectClient } from '../temporal/connection';
import { loadConfig, runCli } from './cli-config';

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
          workflows: createCaseWorkflows(client, config.temporal.taskQueue, config.temporal),
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

runCli(main);
