import { loadOrExit, loadTemporalConfig } from '../config/config';
import { Client } from '@temporalio/client';
import { connect } from '../temporal/connection';
import { ensureStaffDigests } from '../temporal/staff-digests';
import { registerSearchAttributes } from '../temporal/search-attributes-setup';

/**
 * `npm run temporal:setup`: registers Caseloop's search attributes and starts the digest workflow
 * on any cluster (idempotent).
 */
async function main(): Promise<void> {
  const temporal = loadOrExit(() => loadTemporalConfig());
  const connection = await connect(temporal);
  try {
    const added = await registerSearchAttributes(connection, temporal.namespace);
    console.log(
      added.length
        ? `Registered on '${temporal.namespace}': ${added.join(', ')}`
        : `All search attributes already registered on '${temporal.namespace}'.`,
    );
    await ensureStaffDigests(new Client({ connection, namespace: temporal.namespace }), temporal.taskQueue);
    console.log('Digest workflow running (id staff-digests).');
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
