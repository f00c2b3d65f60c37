/**
 * The SIP side of the IM benchmark, on raw UDP (loopback only):
 *
 * - SipLoadGenerator sends MESSAGE requests (RFC 3428) to drachtio's SIP port from several sockets,
 *   `sip:bench<N>@<component domain>` -> `sip:user<M>@<xmpp domain>`, the bench body carrying step,
 *   sequence number and send time. It behaves as an RFC 3261 non-INVITE client transaction over
 *   UDP: it retransmits after T1, 2*T1, 4*T1 ... (Timer E, capped at T2) until a final response,
 *   and counts the final responses by status.
 * - SipResponder is the SIP user agent behind the gateway's outbound proxy: it answers 200 to every
 *   MESSAGE (retransmissions included) and logs each message's first arrival.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { ArrivalLog, benchBody, parseBenchBody, runPaced, type PacedResult } from "./load-common.js";
import { nowMs } from "./stats.js";

const HOST = "127.0.0.1";
const T1 = 500;
const T2 = 4000;

export interface Party {
  prefix: string;
  count: number;
  domain: string;
}

/** `prefix<k>@domain` for a message's sequence number: recipients rotate fastest, then senders. */
export function partyFor(p: Party, seq: number, rotateEvery = 1): string {
  return `${p.prefix}${Math.floor(seq / rotateEvery) % p.count}@${p.domain}`;
}

export interface SipSourceStats {
  /** final responses by status code (first final response per message) */
  finals: Record<string, number>;
  /** requests sent again by Timer E */
  retransmits: number;
  /** messages without any final response when the step was collected */
  unanswered: number;
  /** time from the first send to the final response, ms */
  answerLatencies: number[];
}

interface Pending {
  packet: Buffer;
  socket: dgram.Socket;
  firstSent: number;
  nextAt: number;
  interval: number;
}

interface SourceStep {
  pending: Map<number, Pending>;
  finals: Record<string, number>;
  retransmits: number;
  answerLatencies: number[];
}

async function bindUdp(port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, HOST, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  // Loopback bursts: larger kernel buffers than the default 208 KiB, so the generator itself is not
  // where datagrams are dropped.
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // the kernel may cap it (net.core.rmem_max); the default still works
  }
  return socket;
}

export class SipLoadGenerator {
  private readonly steps = new Map<number, SourceStep>();
  /** makes Call-IDs and branches unique across runs (a server remembers transactions for 32 s) */
  private readonly run = randomBytes(4).toString("hex");
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly sockets: dgram.Socket[],
    private readonly target: { host: string; port: number },
  ) {
    for (const s of sockets) s.on("message", (msg) => this.onResponse(msg));
    this.timer = setInterval(() => this.retransmit(), 50);
    this.timer.unref();
  }

  static async start(target: { host: string; port: number }, sockets = 4): Promise<SipLoadGenerator> {
    const list: dgram.Socket[] = [];
    for (let i = 0; i < sockets; i++) list.push(await bindUdp(0));
    return new SipLoadGenerator(list, target);
  }

  /** Sends `count` MESSAGEs at `rate`/s with sequence numbers seqOffset + i*seqStride. */
  async send(
    step: number,
    rate: number,
    count: number,
    from: Party,
    to: Party,
    seqOffset = 0,
    seqStride = 1,
  ): Promise<PacedResult> {
    const st: SourceStep = { pending: new Map(), finals: {}, retransmits: 0, answerLatencies: [] };
    this.steps.set(step, st);
    return runPaced(rate, count, (i) => {
      const seq = seqOffset + i * seqStride;
      const socket = this.sockets[seq % this.sockets.length];
      if (!socket) return;
      const at = nowMs();
      const packet = this.message(socket, step, seq, at, partyFor(from, seq, to.count), partyFor(to, seq));
      st.pending.set(seq, { packet, socket, firstSent: at, nextAt: at + T1, interval: T1 });
      socket.send(packet, this.target.port, this.target.host);
    });
  }

  private message(
    socket: dgram.Socket,
    step: number,
    seq: number,
    at: number,
    from: string,
    to: string,
  ): Buffer {
    const body = benchBody(step, seq, at);
    const id = `${this.run}-${step}-${seq}`;
    return Buffer.from(
      `MESSAGE sip:${to} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP ${HOST}:${socket.address().port};branch=z9hG4bK-${id};rport\r\n` +
        "Max-Forwards: 70\r\n" +
        `From: <sip:${from}>;tag=${id}\r\n` +
        `To: <sip:${to}>\r\n` +
        `Call-ID: ${id}@bench\r\n` +
        "CSeq: 1 MESSAGE\r\n" +
        "Content-Type: text/plain;charset=UTF-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body,
      "utf8",
    );
  }

  private onResponse(msg: Buffer): void {
    const text = msg.toString("latin1");
    const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
    if (!status || status.startsWith("1")) return;
    const m = /branch=z9hG4bK-([0-9a-f]+)-(\d+)-(\d+)/.exec(text);
    if (!m || m[1] !== this.run) return;
    const st = this.steps.get(Number(m[2]));
    const p = st?.pending.get(Number(m[3]));
    if (!st || !p) return; // a retransmitted final response, or a step already collected
    st.pending.delete(Number(m[3]));
    st.finals[status] = (st.finals[status] ?? 0) + 1;
    st.answerLatencies.push(nowMs() - p.firstSent);
  }

  /** Timer E (RFC 3261 section 17.1.2.2): again after T1, 2*T1, ... capped at T2, while pending. */
  private retransmit(): void {
    const now = nowMs();
    for (const st of this.steps.values()) {
      for (const p of st.pending.values()) {
        if (p.nextAt > now) continue;
        p.interval = Math.min(p.interval * 2, T2);
        p.nextAt = now + p.interval;
        st.retransmits++;
        p.socket.send(p.packet, this.target.port, this.target.host);
      }
    }
  }

  /** The step's numbers; its unanswered requests are no longer retransmitted. */
  collect(step: number): SipSourceStats {
    const st = this.steps.get(step);
    this.steps.delete(step);
    if (!st) return { finals: {}, retransmits: 0, unanswered: 0, answerLatencies: [] };
    return {
      finals: st.finals,
      retransmits: st.retransmits,
      unanswered: st.pending.size,
      answerLatencies: st.answerLatencies.map((v) => Math.round(v * 1000) / 1000),
    };
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.sockets) s.close();
  }
}

/** Header lines of a SIP message named `name` or its compact form. */
function headerLines(lines: string[], name: string, compact: string): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const colon = l.indexOf(":");
    if (colon < 0) continue;
    const n = l.slice(0, colon).trim().toLowerCase();
    if (n === name || n === compact) out.push(l);
  }
  return out;
}

export class SipResponder {
  readonly log = new ArrivalLog();
  /** datagrams that were not SIP requests */
  ignored = 0;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on("message", (msg, rinfo) => this.onDatagram(msg, rinfo));
  }

  static async start(port: number): Promise<SipResponder> {
    return new SipResponder(await bindUdp(port));
  }

  get port(): number {
    return this.socket.address().port;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const text = msg.toString("utf8");
    const end = text.indexOf("\r\n\r\n");
    const requestLine = /^([A-Z]+) \S+ SIP\/2\.0\r\n/.exec(text);
    if (end < 0 || !requestLine) {
      this.ignored++;
      return;
    }
    const lines = text.slice(0, end).split("\r\n").slice(1);
    const to = headerLines(lines, "to", "t")[0] ?? "To: <sip:unknown@invalid>";
    const response = [
      "SIP/2.0 200 OK",
      ...headerLines(lines, "via", "v"),
      ...headerLines(lines, "from", "f"),
      /;\s*tag=/i.test(to) ? to : `${to};tag=bench`,
      ...headerLines(lines, "call-id", "i"),
      ...headerLines(lines, "cseq", ""),
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
    this.socket.send(response, rinfo.port, rinfo.address);
    if (requestLine[1] !== "MESSAGE") return;
    const stamp = parseBenchBody(text.slice(end + 4));
    if (stamp) this.log.record(stamp);
  }

  close(): void {
    this.socket.close();
  }
}
