/**
 * Two fixes to how drachtio-srf reads its admin connection, in its WireProtocol's `_onData`, which
 * this module replaces once (the framing is the same: `<byte length>#<message>`):
 *
 * 1. Never crash on input. drachtio-srf, as a client, throws from its socket 'data' listener when
 *    the connection carries something that is not a frame (`invalid message, missing length
 *    specifier`) or a frame its parser chokes on; thrown from an event listener, that ends the
 *    process, and the garbage stays in its buffer so every later chunk throws again. Here a frame
 *    that cannot be read closes that admin socket (logged with its first bytes), and drachtio-srf's
 *    reconnect takes over with a clean buffer. A buffer that can never become a frame (no '#' in
 *    its first 12 bytes) is garbage too, instead of growing without bound.
 *
 * 2. Keep the bytes of SIP bodies. drachtio-srf decodes each frame as UTF-8, so a body in another
 *    charset (RFC 3428 section 9 allows any charset for text/plain) loses every octet that is not
 *    valid UTF-8 before the gateway sees it. Here frames are decoded as Latin-1, which maps each
 *    octet to one character: the SIP start line and headers, which are ASCII on the wire save for
 *    display names, read the same, and `sipBodyBytes()` gets the exact octets of a body back to
 *    decode them by their declared charset. drachtio-srf's parser slices the body by Content-Length
 *    in characters, which with Latin-1 are exactly the octets it counts.
 *
 * 3. Batch its writes. drachtio-srf writes each frame with its own `socket.write` on a socket with
 *    Nagle off; `coalesceWrites` makes the frames of one event-loop turn one writev(2). Under load
 *    that saves a system call and a wake-up of drachtio per frame (docs/benchmarks.md).
 *
 * Checked by test/e2e/gateway-robustness.test.ts (garbage), test/e2e/im.test.ts (an ISO-8859-1
 * body) and test/e2e/link-writes.test.ts (batched writes).
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { Logger } from "../log/logger.js";
import { coalesceWrites } from "../util/coalesce-writes.js";

interface WireProtocolInstance {
  mapIncomingMsg: Map<Socket, { incomingMsg: Buffer; length: number }>;
  emit(event: "msg", socket: Socket, message: string): boolean;
}

interface WireProtocolProto {
  _onData(this: WireProtocolInstance, socket: Socket, msg: Buffer): void;
  installListeners(this: WireProtocolInstance, socket: Socket): void;
  __gatewayPatched?: boolean;
}

const require = createRequire(import.meta.url);
const HASH = 0x23;
/** No frame length needs more than 10 digits. */
const MAX_LENGTH_DIGITS = 11;

function onData(this: WireProtocolInstance, log: Logger, socket: Socket, chunk: Buffer): void {
  let state = this.mapIncomingMsg.get(socket);
  if (!state) {
    state = { incomingMsg: Buffer.alloc(0), length: -1 };
    this.mapIncomingMsg.set(socket, state);
  }
  let buf = state.incomingMsg.length === 0 ? chunk : Buffer.concat([state.incomingMsg, chunk]);
  try {
    for (;;) {
      const hash = buf.subarray(0, MAX_LENGTH_DIGITS + 1).indexOf(HASH);
      if (hash < 0) {
        if (buf.length > MAX_LENGTH_DIGITS) throw new Error("no frame length");
        break;
      }
      const digits = buf.toString("latin1", 0, hash);
      if (!/^[1-9]\d*$/.test(digits)) throw new Error(`bad frame length '${digits}'`);
      const end = hash + 1 + Number(digits);
      if (buf.length < end) break;
      const message = buf.toString("latin1", hash + 1, end);
      buf = buf.subarray(end);
      this.emit("msg", socket, message);
    }
    state.incomingMsg = buf;
  } catch (e) {
    log.error("unreadable data on the drachtio admin connection; closing it to reconnect", {
      error: e instanceof Error ? e.message.slice(0, 200) : String(e),
      start: buf.subarray(0, 40).toString("latin1"),
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
    });
    this.mapIncomingMsg.delete(socket);
    socket.destroy();
  }
}

export function hardenDrachtioWireProtocol(log: Logger): void {
  const WireProtocol = require("drachtio-srf/lib/wire-protocol.js") as { prototype: WireProtocolProto };
  const proto = WireProtocol.prototype;
  if (proto.__gatewayPatched) return;
  proto._onData = function (this: WireProtocolInstance, socket: Socket, msg: Buffer) {
    onData.call(this, log, socket, msg);
  };
  const installListeners = proto.installListeners;
  proto.installListeners = function (this: WireProtocolInstance, socket: Socket) {
    coalesceWrites(socket);
    installListeners.call(this, socket);
  };
  proto.__gatewayPatched = true;
}

/** The octets of a SIP body as they were on the wire (see point 2 above). */
export function sipBodyBytes(body: string | undefined): Buffer {
  return Buffer.from(body ?? "", "latin1");
}

/** A header value as Unicode: headers are UTF-8 on the wire (RFC 3261 section 7.3.1). */
export function sipHeaderText(value: string): string {
  // eslint-disable-next-line no-control-regex -- ASCII reads the same in both: nothing to convert.
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  return Buffer.from(value, "latin1").toString("utf8");
}
