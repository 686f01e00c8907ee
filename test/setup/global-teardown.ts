import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __caseloopPg?: { stop(): Promise<void>; dataDir: string } }).__caseloopPg;
  if (pg) {
    await pg.stop();
    fs.rmSync(pg.dataDir, { recursive: true, force: true });
  }
}
