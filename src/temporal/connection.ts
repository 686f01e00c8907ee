import fs from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { TemporalConfig } from '../config/config';

/** TLS client certificates and/or an API key: the same settings reach a self-hosted cluster or Temporal Cloud. */
function tlsOptions(cfg: TemporalConfig): ConnectionOptions['tls'] {
  if (!cfg.tls) return undefined;
  const read = (file: string | undefined): Buffer | undefined => (file ? fs.readFileSync(file) : undefined);
  const cert = read(cfg.tls.certPath);
  const key = read(cfg.tls.keyPath);
  return {
    serverNameOverride: cfg.tls.serverName,
    serverRootCACertificate: read(cfg.tls.caPath),
    clientCertPair: cert && key ? { crt: cert, key } : undefined,
  };
}

export function connect(cfg: TemporalConfig): Promise<Connection> {
  return Connection.connect({ address: cfg.address, tls: tlsOptions(cfg), apiKey: cfg.apiKey });
}

export async function connectClient(cfg: TemporalConfig, dataConverter: DataConverter): Promise<Client> {
  return new Client({ connection: await connect(cfg), namespace: cfg.namespace, dataConverter });
}

export async function connectWorkerConnection(cfg: TemporalConfig): Promise<NativeConnection> {
  const options: NativeConnectionOptions = {
    address: cfg.address,
    tls: tlsOptions(cfg),
    apiKey: cfg.apiKey,
  };
  return NativeConnection.connect(options);
}
