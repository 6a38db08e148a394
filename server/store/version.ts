/**
 * The store was written by a newer Lets Talk than this code (a rollback after an upgrade, or a CLI
 * from a newer checkout): running on it could write what the newer layout does not expect. Both
 * stores refuse to open then (SQLite: PRAGMA user_version; MongoDB: the `meta` document "schema").
 */
export class StoreVersionError extends Error {
  override name = 'StoreVersionError';
}

export const newerStoreMessage = (found: number, known: number) =>
  `the database is at schema version ${found}, newer than this Lets Talk knows (${known}): it was upgraded by a newer version; run that version, or restore the backup taken before the upgrade`;
