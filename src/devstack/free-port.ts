import net from 'node:net';

/** Resolves 0 to a free loopback port; any other number is returned as is. */
export async function resolvePort(port: number): Promise<number> {
  const [resolved] = await resolvePorts([port]);
  return resolved;
}

/**
 * Resolves each 0 to a free loopback port, all different: every probe socket stays open until the
 * last one is bound, so two zeros can never come back as the same port.
 */
export async function resolvePorts<T extends number[]>(ports: [...T]): Promise<{ [K in keyof T]: number }> {
  const held: net.Server[] = [];
  try {
    const resolved: number[] = [];
    for (const port of ports) {
      if (port !== 0) {
        resolved.push(port);
        continue;
      }
      const server = await listenOnFreePort();
      held.push(server);
      const address = server.address();
      resolved.push(typeof address === 'object' && address ? address.port : 0);
    }
    return resolved as { [K in keyof T]: number };
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((done) => server.close(() => done()))));
  }
}

function listenOnFreePort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
