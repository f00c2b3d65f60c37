/**
 * Sends one raw SIP request over UDP and resolves with the first final response's status. For
 * bytes sipp's XML scenarios cannot carry (control characters, invalid UTF-8).
 */
import { createSocket } from "node:dgram";
import { randomUUID } from "node:crypto";

export interface RawMessage {
  from: string;
  to: string;
  contentType: string;
  body: Buffer;
  /** Source address to bind, default 127.0.0.1. */
  localAddress?: string;
}

export async function sendRawMessage(
  host: string,
  port: number,
  m: RawMessage,
  timeoutMs = 5000,
): Promise<number> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, m.localAddress ?? "127.0.0.1", resolve));
  const { port: localPort } = sock.address();
  const head = [
    `MESSAGE ${m.to} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${randomUUID().slice(0, 12)};rport`,
    `From: <${m.from}>;tag=${randomUUID().slice(0, 8)}`,
    `To: <${m.to}>`,
    `Call-ID: ${randomUUID()}`,
    "CSeq: 1 MESSAGE",
    "Max-Forwards: 70",
    `Content-Type: ${m.contentType}`,
    `Content-Length: ${m.body.length}`,
    "",
    "",
  ].join("\r\n");
  const packet = Buffer.concat([Buffer.from(head, "utf8"), m.body]);
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no final response")), timeoutMs);
      sock.on("message", (msg) => {
        const status = Number(/^SIP\/2\.0 (\d{3})/.exec(msg.toString("latin1"))?.[1]);
        if (status >= 200) {
          clearTimeout(timer);
          resolve(status);
        }
      });
      sock.send(packet, port, host);
    });
  } finally {
    sock.close();
  }
}
