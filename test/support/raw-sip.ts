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

export interface RawResponse {
  status: number;
  reason: string;
  header(name: string): string | undefined;
}

export async function sendRawMessage(
  host: string,
  port: number,
  m: RawMessage,
  timeoutMs = 5000,
): Promise<number> {
  return (await sendRawMessageFull(host, port, m, timeoutMs)).status;
}

/** Like sendRawMessage, with the whole final response. */
export async function sendRawMessageFull(
  host: string,
  port: number,
  m: RawMessage,
  timeoutMs = 5000,
): Promise<RawResponse> {
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
  return sendRawPacket(sock, host, port, Buffer.concat([Buffer.from(head, "utf8"), m.body]), timeoutMs);
}

/**
 * Sends any request over UDP and resolves with its final response. `build` gets the local port (for
 * the Via) and returns the whole request text, CRLF line ends included.
 */
export async function sendRawRequest(
  host: string,
  port: number,
  build: (localPort: number) => string,
  timeoutMs = 5000,
): Promise<RawResponse> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  return sendRawPacket(sock, host, port, Buffer.from(build(sock.address().port), "utf8"), timeoutMs);
}

async function sendRawPacket(
  sock: ReturnType<typeof createSocket>,
  host: string,
  port: number,
  packet: Buffer,
  timeoutMs: number,
): Promise<RawResponse> {
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no final response")), timeoutMs);
      sock.on("message", (msg) => {
        const text = msg.toString("latin1");
        const start = /^SIP\/2\.0 (\d{3}) ?([^\r\n]*)/.exec(text);
        const status = Number(start?.[1]);
        if (status >= 200) {
          clearTimeout(timer);
          resolve({
            status,
            reason: start?.[2] ?? "",
            header: (name) => new RegExp(`^${name}\\s*:\\s*(.*?)\\r?$`, "im").exec(text)?.[1],
          });
        }
      });
      sock.send(packet, port, host);
    });
  } finally {
    sock.close();
  }
}
