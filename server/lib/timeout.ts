/**
 * `p`, or `onTimeout()`'s error once `ms` pass first. The timer is cleared either way, and a late
 * rejection of `p` after the timeout is expected, not unhandled. Nothing is cancelled: the caller
 * cleans up what `p` may still do (close a socket, ignore a late answer).
 */
export async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  try {
    return await Promise.race([p, timeout]);
  } catch (e) {
    p.catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
