import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';

// Keep test output readable: only warnings from the SDK, only errors from its core.
// CASELOOP_TEST_CORE_LOG=WARN (or DEBUG) shows more when a workflow task misbehaves.
const core = (process.env.CASELOOP_TEST_CORE_LOG ?? 'ERROR') as LogLevel;
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core }) } },
});
