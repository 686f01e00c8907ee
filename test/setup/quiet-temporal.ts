import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

// Keep test output readable: only warnings from the SDK, only errors from its core.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
