import path from 'node:path';

export interface RunningMailDev {
  stop(): Promise<void>;
}

/** MailDev in-process: an SMTP catcher plus a web inbox, mail kept under the data folder. */
export async function startMailDev(opts: {
  smtpPort: number;
  webPort: number;
  dataDir: string;
}): Promise<RunningMailDev> {
  // maildev is ESM-only; Node 20.19+ loads it through require.
  const { MailDev } = await import('maildev');
  const maildev = new MailDev({
    smtp: opts.smtpPort,
    ip: '127.0.0.1',
    web: opts.webPort,
    webIp: '127.0.0.1',
    mailDirectory: path.join(opts.dataDir, 'mail'),
    silent: true,
  });
  await maildev.start();
  return { stop: () => maildev.stop() };
}
