import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../config';

/** A Temporal client for the API and CLI; the caller closes its connection. */
export async function connectClient(settings: Settings): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: settings.TEMPORAL_ADDRESS, connectTimeout: 5000 });
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return { client, close: () => connection.close() };
}
