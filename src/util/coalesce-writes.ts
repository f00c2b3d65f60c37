/**
 * Coalesces the writes a socket gets within one turn of the event loop into one system call.
 *
 * Both of the gateway's TCP connections (to drachtio and to the XMPP server) carry many small
 * frames, one per SIP message or stanza, and both run with Nagle off (drachtio-srf sets
 * TCP_NODELAY; see ComponentLink). Without this, every frame is its own write(2) on loopback,
 * which on a busy machine costs more than building the frame, and wakes the peer once per frame.
 * Here the first write of a turn corks the socket and a `setImmediate` uncorks it, after every I/O
 * callback of that turn has run: the frames go out in one writev(2), in order. A lone frame on an
 * idle link leaves at the end of the same turn, so latency does not change.
 */
import type { Socket } from "node:net";

const COALESCING = Symbol("coalescing writes");

export function coalesceWrites(socket: Socket): void {
  const s = socket as Socket & { [COALESCING]?: boolean };
  if (s[COALESCING]) return;
  s[COALESCING] = true;
  const write = socket.write;
  let corked = false;
  const flush = (): void => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as Socket["write"];
}
