/**
 * drachtio-srf's wire protocol, as a client, throws from its socket 'data' listener when the admin
 * connection carries something that is not a drachtio frame (`invalid message, missing length
 * specifier`) or a frame its parser chokes on. Thrown from an event listener, that would end the
 * process, and the garbage stays in its buffer so every later chunk throws again.
 *
 * The gateway never crashes on input, so `_onData` is wrapped once: a frame that cannot be read
 * closes that admin socket (logged with the first bytes), and drachtio-srf's reconnect takes over
 * with a clean buffer. Checked by test/e2e/gateway-robustness.test.ts against a server that sends
 * garbage.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { Logger } from "../log/logger.js";

interface WireProtocolProto {
  _onData(this: WireProtocolInstance, socket: Socket, msg: Buffer): void;
  __gatewayHardened?: boolean;
}

interface WireProtocolInstance {
  mapIncomingMsg?: Map<Socket, { incomingMsg: Buffer }>;
}

/**
 * A frame starts with its decimal length and '#'; no real frame needs more than 10 digits. A buffer
 * whose first 12 bytes hold no '#' can never become a frame (drachtio-srf would keep it, growing).
 */
function hopeless(buffer: Buffer | undefined): boolean {
  if (!buffer || buffer.length < 12) return false;
  const hash = buffer.subarray(0, 12).indexOf("#");
  return hash < 0;
}

const require = createRequire(import.meta.url);

export function hardenDrachtioWireProtocol(log: Logger): void {
  const WireProtocol = require("drachtio-srf/lib/wire-protocol.js") as { prototype: WireProtocolProto };
  const proto = WireProtocol.prototype;
  if (proto.__gatewayHardened) return;
  const original = proto._onData;
  proto._onData = function (this: WireProtocolInstance, socket: Socket, msg: Buffer) {
    try {
      original.call(this, socket, msg);
      if (hopeless(this.mapIncomingMsg?.get(socket)?.incomingMsg)) {
        throw new Error(`not a drachtio frame: '${msg.subarray(0, 40).toString("latin1")}'`);
      }
    } catch (e) {
      log.error("unreadable data on the drachtio admin connection; closing it to reconnect", {
        error: e instanceof Error ? e.message.slice(0, 200) : String(e),
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
      });
      socket.destroy();
    }
  };
  proto.__gatewayHardened = true;
}
