import { spawn, type ChildProcess } from 'node:child_process';
import { resolvePorts } from '../../src/devstack/free-port';
import { sidePortArgs } from '../../src/devstack/temporal';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { TEMPORAL_CLI, locateBinary } from '../../src/temporal/binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { testDataConverter } from '../helpers/codec';
import { waitUntil } from './fault-kit';

/**
 * The Temporal dev server (`temporal server start-dev`) as a child process of the test, so a fault
 * test can SIGSTOP, SIGKILL or stop it and start it again on the same port with the same SQLite
 * history (test/helpers/temporal.ts starts it through the SDK, which hides the process).
 */
export interface TemporalProcess {
  address: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the signal or code the process ended with. */
  exited: Promise<string>;
  /** SIGCONT (in case it is stopped), SIGTERM, and waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<string>;
}

export async function startTemporalProcess(options: {
  port: number;
  dbFilename: string;
}): Promise<TemporalProcess> {
  const located = locateBinary(TEMPORAL_CLI);
  if (located.type !== 'existing-path') throw new Error('the Temporal CLI binary is not installed locally');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    'default',
    '--db-filename',
    options.dbFilename,
    ...sidePortArgs(...(await resolvePorts([0, 0]))),
    '--headless',
    '--log-format',
    'pretty',
    '--log-level',
    'error',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...ALL_SEARCH_ATTRIBUTES.flatMap((sa) => [
      '--search-attribute',
      `${sa.name}=${TypedSearchAttributes.toMetadataType(sa.type)}`,
    ]),
  ];
  let output = '';
  const child = spawn(located.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  const address = `127.0.0.1:${options.port}`;
  await waitUntil(
    'the Temporal dev server to answer',
    async () => child.exitCode !== null || (await answers(address)),
    60_000,
  );
  if (child.exitCode !== null) throw new Error(`the Temporal dev server exited at start:\n${output}`);
  const stop = async (): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const how = await exited;
      clearTimeout(timer);
      return how;
    }
    return exited;
  };
  return { address, child, output: () => output, exited, stop };
}

/** Whether the server takes calls on the default namespace. */
async function answers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.withDeadline(Date.now() + 2_000, () =>
      connection!.workflowService.describeNamespace({ namespace: 'default' }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** A client with the tests' data converter (the development payload key, as the processes use). */
export async function connectTestClient(
  address: string,
): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default', dataConverter: testDataConverter }),
    close: () => connection.close(),
  };
}
