import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../src/temporal/search-attributes-setup';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  TEMPORAL_TEST_SERVER,
  TEMPORAL_CLI,
  asServerExecutable,
  locateBinary,
} from '../../src/temporal/binaries';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';
import { testDataConverter } from './codec';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { TEMPORAL_UI_PATH } from '../../src/api/web/temporal-ui-proxy';
import { resolvePorts } from '../../src/devstack/free-port';
import { sidePortArgs, startedServer } from '../../src/devstack/temporal';

/** The time-skipping test server, found through the same locator as everything else. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await startedServer(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      client: { dataConverter: testDataConverter },
      server: { executable: asServerExecutable(locateBinary(TEMPORAL_TEST_SERVER)) },
    }),
  );
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * The real dev server, for what time skipping lacks (visibility, schedules, real time). `ui` sets up
 * its Web UI as `npm run dev` does (public path /temporal, decoding through Caseloop's codec);
 * `persist` keeps history in SQLite on a fixed port, so a restarted server picks up where it was.
 */
export async function devServerEnv(
  options: {
    ui?: { port: number; codecEndpoint: string };
    persist?: { port: number; dbFilename: string };
  } = {},
): Promise<TestWorkflowEnvironment> {
  const { ui, persist } = options;
  return startedServer(async () => {
    const sidePorts = sidePortArgs(...(await resolvePorts([0, 0])));
    return TestWorkflowEnvironment.createLocal({
      client: { dataConverter: testDataConverter },
      server: {
        executable: asServerExecutable(locateBinary(TEMPORAL_CLI)),
        ip: '127.0.0.1',
        ...(persist ? { port: persist.port, dbFilename: persist.dbFilename } : {}),
        ...(ui ? { ui: true, uiPort: ui.port } : {}),
        extraArgs: [
          ...(ui ? ['--ui-codec-endpoint', ui.codecEndpoint, '--ui-public-path', TEMPORAL_UI_PATH] : []),
          ...sidePorts,
        ],
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
      },
    });
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/**
 * Bundle the workflow code once per test file. `workflowsPath` swaps in another module of workflows
 * (the replay test's deliberately changed ones); by default it is the worker's.
 */
export function workflowBundle(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: quietLogger,
    });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => void process.stderr.write(`${message}\n`),
};
