/** Chooses the store from configuration: MongoDB when MONGODB_URI is set, else SQLite in DATA_DIR. */
import type { Config } from '../config';
import type { Store } from './types';
import { createSqliteStore } from './sqlite/sqlite';
import { createMongoStore } from './mongo/mongo';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>): Promise<Store> {
  if (config.mongodbUri) return createMongoStore(config.mongodbUri);
  return createSqliteStore(config.dataDir);
}
