import fs from 'node:fs';
import path from 'node:path';

/** Where a running dev stack can be reached: written on start so tools (npm run reconcile) find it. */
export interface DevStackAddresses {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
}

const FILE = 'stack.json';

export function writeStackFile(dataDir: string, addresses: DevStackAddresses): void {
  fs.writeFileSync(path.join(dataDir, FILE), `${JSON.stringify(addresses, null, 2)}\n`, { mode: 0o600 });
}

export function readStackFile(dataDir: string): DevStackAddresses | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')) as DevStackAddresses;
  } catch {
    return undefined;
  }
}
