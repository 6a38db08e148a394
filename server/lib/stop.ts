/**
 * Stopping the server at shutdown: requests under way get `graceMs`, then every connection is
 * closed. A graceful stop alone waits for every open WebSocket, and every open chat tab keeps one:
 * it would never end (the process would be killed before the safeguarding notices are reported).
 * The pages whose sockets are closed reconnect and resume.
 */
export async function stopServer(server: { stop(force?: boolean): Promise<unknown> }, graceMs: number): Promise<'graceful' | 'forced'> {
  let done = false;
  const graceful = server.stop().then(() => void (done = true));
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([graceful, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
  if (done) return 'graceful';
  await server.stop(true);
  return 'forced';
}
