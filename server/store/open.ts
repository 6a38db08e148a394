/** Chooses the store from configuration: MongoDB when MONGODB_URI is set, else SQLite in DATA_DIR. */
import type { Config } from '../config';
import type { Store } from './types';
import { createSqliteStore } from './sqlite/sqlite';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>): Promise<Store> {
  if (config.mongodbUri) {
    // Loaded only when used: the driver is large and the CLI on SQLite should not pay for it.
    const { createMongoStore } = await import('./mongo/mongo');
    return createMongoStore(config.mongodbUri);
  }
  return createSqliteStore(config.dataDir);
}
