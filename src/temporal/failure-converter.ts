import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces can quote client data, so they travel encoded like every other
 * payload. Loaded by path: the worker bundles it into the workflow sandbox too.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
