/**
 * Receiving on a zeromq.js socket until it is closed. zeromq.js rejects a receive with EAGAIN
 * (or EINTR) now and then when a socket looked readable but had no message (seen with several
 * busy sockets in one process); nothing was taken, so the loop simply receives again. Any other
 * failure goes to `onError`, which says whether to go on receiving. The loop ends only when the
 * socket is closed (or `onError` says stop).
 */
export interface ReceivingSocket {
  receive(): Promise<Buffer[]>;
  readonly closed: boolean;
}

export async function receiveUntilClosed(
  sock: ReceivingSocket,
  onMessage: (parts: Buffer[]) => void,
  onError: (e: Error, transient: boolean) => boolean | Promise<boolean> = (_e, transient) => transient,
): Promise<void> {
  for (;;) {
    try {
      for (;;) onMessage(await sock.receive());
    } catch (e) {
      if (sock.closed) return;
      const code = (e as NodeJS.ErrnoException).code;
      if (!(await onError(e as Error, code === 'EAGAIN' || code === 'EINTR'))) return;
    }
  }
}
