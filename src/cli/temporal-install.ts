import { locateBinary, TEMPORAL_CLI, TEMPORAL_TEST_SERVER } from '../temporal/binaries';

/** `npm run temporal:install`: make sure both Temporal binaries are available and say where they are. */
for (const spec of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
  const found = locateBinary(spec, { allowSdkDownload: false, log: (m) => console.log(m) });
  if (found.type === 'existing-path') console.log(`${spec.label}: ${found.path} (${found.source})`);
}
