import { loadOrExit, loadTemporalConfig } from '../config/config';
import { connect } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/search-attributes-setup';

/** `npm run temporal:setup`: registers Caseloop's search attributes on any cluster (idempotent). */
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
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
