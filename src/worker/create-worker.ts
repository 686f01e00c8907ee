import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { createActivities, type ActivityDeps } from '../activities';
import { createCaseWorkflows } from '../temporal/case-workflows';

export interface CaseloopWorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Tests pass a pre-built bundle to avoid re-bundling per file. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Encrypts payloads (src/temporal/codec.ts); the same one as the clients'. */
  dataConverter: DataConverter;
  /** Workflows kept in memory between tasks (the SDK's default when unset); 0 replays every task. */
  maxCachedWorkflows?: number;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** The one place a Caseloop worker is assembled: production, dev stack and tests all use it. */
export async function createCaseloopWorker(options: CaseloopWorkerOptions): Promise<Worker> {
  const {
    connection,
    namespace,
    taskQueue,
    workflowBundle,
    identity,
    dataConverter,
    maxCachedWorkflows,
    ...deps
  } = options;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(identity ? { identity } : {}),
    dataConverter,
    ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
    // A burst of reminders (hundreds due on one minute) keeps workflow tasks waiting longer than the
    // SDK's 10 s for this worker; past it the server hands them to any worker, which must fetch and
    // replay the whole history, making the burst slower still. (A worker that stopped polling is
    // treated as unavailable by the server on its own, so this does not delay recovery from a crash.)
    stickyQueueScheduleToStartTimeout: '30s',
    activities: createActivities({
      ...deps,
      // Fan-outs deliver case changes as the API does: over a client on the worker's own connection.
      caseWorkflows:
        deps.caseWorkflows ??
        createCaseWorkflows(new Client({ connection, namespace, dataConverter }), taskQueue, {
          ...(deps.releaseSpreadMinutes === undefined
            ? {}
            : { releaseSpreadMinutes: deps.releaseSpreadMinutes }),
        }),
    }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
