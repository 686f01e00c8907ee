import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow code bundled once, shared by the time-skipping worker and the replays. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const quiet = () => undefined;
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: {
      log: quiet,
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: quiet,
      error: (message: string) => void process.stderr.write(`${message}\n`),
    },
  });
  return bundle;
}
