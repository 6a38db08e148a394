/**
 * Deleting a file message's stored bytes. Its own module (store types only) because chat's
 * deleteMessage calls it, and the rest of the files feature builds on chat.
 */
import type { Store } from '../../store/types';

/** Deletes the stored file a (deleted) file message pointed to; false for other messages. */
export async function deleteFileOf(store: Store, message: { kind: string; meta: Record<string, unknown> | null }): Promise<boolean> {
  const id = message.kind === 'file' && typeof message.meta?.fileId === 'string' ? message.meta.fileId : null;
  if (!id) return false;
  await store.files.remove(id);
  return true;
}
