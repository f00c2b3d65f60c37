/**
 * The XMPP side of the IM benchmark:
 *
 * - BenchClients: real XMPP clients (@xmpp/client 0.13, SASL PLAIN on the plain-text stream, as in
 *   test/support/xmpp-test-client.ts) logged in as user<M>; they log every bench message they get
 *   and send bench chat messages round-robin (client k sends every k-th message).
 *   The test helper's client keeps every stanza it receives (for waitFor), which a load run cannot
 *   afford, hence this lean one.
 * - BareComponent: a bare @xmpp/component (XEP-0114), the baseline: it sends the same messages
 *   straight through the XMPP server, and logs what clients send to it.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { component, type Component } from "@xmpp/component";
import xml, { type Element } from "@xmpp/xml";
import type { XmppClientEntity } from "../test/support/xmpp-test-client.js";
import { ArrivalLog, benchBody, benchId, parseBenchBody, parseBenchId, runPaced } from "./load-common.js";
import type { PacedResult } from "./load-common.js";
import { partyFor, type Party } from "./sip-load.js";
import { nowMs } from "./stats.js";
import { coalesceWrites } from "../src/util/coalesce-writes.js";

const require = createRequire(import.meta.url);
const { client } = require("@xmpp/client") as {
  client(o: {
    service: string;
    domain: string;
    resource?: string;
    username: string;
    password: string;
  }): XmppClientEntity;
};

const NS_STREAMS = "http://etherx.jabber.org/streams";
const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";

export interface C2sServer {
  host: string;
  c2sPort: number;
  domain: string;
}

/** Logs a bench message (or, for an error stanza, an error of its step) in `log`. */
function onBenchStanza(log: ArrivalLog, stanza: Element): void {
  if (stanza.name !== "message") return;
  if (stanza.attrs.type === "error") {
    const id = parseBenchId(stanza.attrs.id);
    if (id) log.recordError(id.step);
    return;
  }
  const stamp = parseBenchBody(stanza.getChildText("body"));
  if (stamp) log.record(stamp, nowMs());
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The same socket settings as the gateway's component link (src/xmpp/component-link.ts): Nagle off,
 * the writes of one event-loop turn in one system call. The clients and the baseline component then
 * send as the gateway does, so the comparison is between the paths, not the socket settings.
 */
function tuneSocket(x: object): void {
  (x as { on(event: "connect", f: () => void): unknown }).on("connect", () => {
    const socket = (x as { socket?: Socket }).socket;
    if (!socket) return;
    socket.setNoDelay(true);
    coalesceWrites(socket);
  });
}

async function login(server: C2sServer, user: string, password: string, log: ArrivalLog) {
  const x = client({
    service: `xmpp://${server.host}:${server.c2sPort}`,
    domain: server.domain,
    resource: "bench",
    username: user,
    password,
  });
  x.reconnect.stop();
  // SCRAM-SHA-1 in pure JS takes seconds per login: offer xmpp.js only PLAIN.
  x.prependListener("element", (el) => {
    const mechanisms = el.is("features", NS_STREAMS) ? el.getChild("mechanisms", NS_SASL) : undefined;
    if (!mechanisms) return;
    mechanisms.children = mechanisms.children.filter(
      (c) => typeof c === "string" || c.name !== "mechanism" || c.text() === "PLAIN",
    );
  });
  x.on("error", () => undefined);
  tuneSocket(x);
  x.on("stanza", (el) => onBenchStanza(log, el));
  await withTimeout(x.start(), 15_000, `login of ${user}@${server.domain}`);
  await x.send(xml("presence"));
  return x;
}

export class BenchClients {
  private constructor(
    private readonly clients: XmppClientEntity[],
    readonly log: ArrivalLog,
  ) {}

  static async connect(
    server: C2sServer,
    users: Array<{ user: string; password: string }>,
  ): Promise<BenchClients> {
    const log = new ArrivalLog();
    const clients = await Promise.all(users.map((u) => login(server, u.user, u.password, log)));
    return new BenchClients(clients, log);
  }

  get size(): number {
    return this.clients.length;
  }

  /** Chat messages to `to` (e.g. bob<N>@component), spread over the clients. */
  send(
    step: number,
    rate: number,
    count: number,
    to: Party,
    seqOffset: number,
    seqStride: number,
  ): Promise<PacedResult> {
    return runPaced(rate, count, (i) => {
      const seq = seqOffset + i * seqStride;
      const c = this.clients[i % this.clients.length];
      if (!c) return;
      const stanza = xml(
        "message",
        { to: partyFor(to, seq), type: "chat", id: benchId(step, seq) },
        xml("body", {}, benchBody(step, seq, nowMs())),
      );
      c.send(stanza).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.clients.map(async (c) => {
        await withTimeout(c.stop(), 3000, "client stop").catch(() => undefined);
        c.socket?.destroy();
      }),
    );
  }
}

export class BareComponent {
  readonly log = new ArrivalLog();

  private constructor(private readonly xmpp: Component) {}

  static async start(opts: { host: string; port: number; domain: string; secret: string }) {
    const x = component({
      service: `xmpp://${opts.host}:${opts.port}`,
      domain: opts.domain,
      password: opts.secret,
    });
    const c = new BareComponent(x);
    x.on("error", () => undefined);
    tuneSocket(x);
    x.on("stanza", (el: Element) => onBenchStanza(c.log, el));
    await withTimeout(x.start(), 15_000, `component ${opts.domain}`);
    return c;
  }

  /** Chat messages from `from` (bench<N>@component) to `to` (user<M>@xmpp domain). */
  send(
    step: number,
    rate: number,
    count: number,
    from: Party,
    to: Party,
    seqOffset: number,
    seqStride: number,
  ): Promise<PacedResult> {
    return runPaced(rate, count, (i) => {
      const seq = seqOffset + i * seqStride;
      const stanza = xml(
        "message",
        { from: partyFor(from, seq, to.count), to: partyFor(to, seq), type: "chat", id: benchId(step, seq) },
        xml("body", {}, benchBody(step, seq, nowMs())),
      );
      this.xmpp.send(stanza).catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    this.xmpp.reconnect.stop();
    await withTimeout(this.xmpp.stop(), 5000, "component stop").catch(() => undefined);
  }
}
