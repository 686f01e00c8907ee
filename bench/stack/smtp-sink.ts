import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { onCleanup } from '../lib/cleanup';

export interface SunkMessage {
  /** When the server accepted the message (end of DATA): the far end of "reminder lateness". */
  acceptedAt: number;
  /** Lower-cased header names; only the header block is read, the body is ignored. */
  headers: Map<string, string>;
}

export interface SmtpSink {
  url: string;
  messages: SunkMessage[];
}

/**
 * A real SMTP server on loopback that accepts everything and keeps each message's headers and
 * acceptance time. It skips full MIME parsing so the measuring process stays idle while the worker
 * sends.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SunkMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // The sink is the measuring instrument: no reverse DNS lookup delaying each new connection.
    disableReverseLookup: true,
    // The worker's nodemailer pool opens a handful of connections; allow plenty.
    maxClients: 1_000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const acceptedAt = Date.now();
        messages.push({ acceptedAt, headers: readHeaders(Buffer.concat(chunks).toString('utf8')) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('SMTP sink', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, messages };
}

function readHeaders(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}
