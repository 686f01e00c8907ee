import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
  receivedAt: Date;
  /** Every attachment and non-text alternative (a calendar invitation's text/calendar part), as text. */
  attachments: { contentType: string; filename?: string; method?: string; content: string }[];
}

export interface SmtpCatcher {
  url: string;
  messages: CapturedMail[];
  /** Answer RCPT TO for these addresses with a permanent 550. */
  rejectRecipients: Set<string>;
  /** While true, every transaction fails with a transient 451. */
  failTransiently: boolean;
  /** Hold each accepted message this long before answering 250, like a busy relay. */
  acceptDelayMs: number;
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps every message it accepts, parsed, for assertions. */
export async function startSmtpCatcher(
  now: () => Date = () => new Date(),
  /** A fixed port, to bring a stopped catcher back where the worker expects it. */
  listenPort = 0,
): Promise<SmtpCatcher> {
  const messages: CapturedMail[] = [];
  const catcher: Partial<SmtpCatcher> = {
    messages,
    rejectRecipients: new Set(),
    failTransiently: false,
    acceptDelayMs: 0,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (catcher.failTransiently)
        return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
      if (catcher.rejectRecipients!.has(address.address)) {
        return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          if (catcher.acceptDelayMs) await new Promise((r) => setTimeout(r, catcher.acceptDelayMs));
          const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) =>
            a.value.map((v) => v.address ?? ''),
          );
          messages.push({
            to,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            headers: parsed.headers,
            receivedAt: now(),
            attachments: parsed.attachments.map((a) => ({
              contentType: a.contentType,
              ...(a.filename ? { filename: a.filename } : {}),
              ...(a.contentType === 'text/calendar' && typeof a.headers.get('content-type') === 'object'
                ? {
                    method: String(
                      (a.headers.get('content-type') as { params?: { method?: string } }).params?.method ??
                        '',
                    ),
                  }
                : {}),
              content: a.content.toString('utf8'),
            })),
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // A client that dies mid-connection (a SIGKILLed worker) resets its socket; a real relay shrugs
  // that off, and so does the catcher, instead of an unhandled 'error' failing the whole suite.
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err;
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  catcher.url = `smtp://127.0.0.1:${port}`;
  catcher.waitFor = async (count, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (messages.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} emails, got ${messages.length} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return messages;
  };
  catcher.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return catcher as SmtpCatcher;
}
