import { NativeConnection, Worker } from '@temporalio/worker';
import { createMailer } from '../../src/notifications/mailer';
import { createBaselineActivities } from './activities';

/**
 * The baseline's worker process (bench/stack starts it like worker.ts): the SDK's default options,
 * the default data converter, the same mailer as Caseloop's worker. Configured by environment.
 */
async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const mailer = createMailer(env('SMTP_URL'), process.env.MAIL_FROM ?? 'Caseloop <no-reply@caseloop.local>');
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: env('TEMPORAL_TASK_QUEUE'),
    workflowsPath: require.resolve('./workflows'),
    activities: createBaselineActivities(mailer, env('PUBLIC_BASE_URL')),
  });
  console.log('baseline worker started');
  await worker.run();
  await connection.close();
  mailer.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
