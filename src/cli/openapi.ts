import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { Pool } from 'pg';
import { createApp } from '../api/app';
import { DEVELOPMENT_LINK_SIGNING_KEY, DEVELOPMENT_PAYLOAD_KEYS } from '../config/config';
import { createLogger } from '../shared/logger';
import { parsePayloadKeys } from '../temporal/codec';

/**
 * `npm run openapi -- [file]`: writes the document the API serves at /openapi.json (default
 * `openapi.json`). The app is built exactly as in production, but its PostgreSQL pool and Temporal
 * client are never used, so nothing else needs to run.
 */
async function main(): Promise<void> {
  const file = process.argv[2] ?? 'openapi.json';
  const pool = new Pool({ max: 1 });
  const app = createApp({
    pool,
    temporal: new Client(),
    taskQueue: 'caseloop',
    logger: createLogger('openapi', 'silent'),
    publicBaseUrl: process.env.PUBLIC_BASE_URL ?? 'http://localhost:3000',
    linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    payloadKeys: parsePayloadKeys(DEVELOPMENT_PAYLOAD_KEYS),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(await res.json(), null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    server.close();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
