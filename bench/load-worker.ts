/**
 * A load-generating worker process of the IM benchmark, driven by bench/im-bench.ts over IPC.
 * One process can hold XMPP clients, a bare component, and the SIP generator and responder; the
 * benchmark runs a "sip-side" worker (SIP generator + responder, or the bare component) and
 * one or more "xmpp-side" workers (the clients).
 */
import type { ArrivalLog, PacedResult, SinkStats } from "./load-common.js";
import { serveRpc } from "./rpc.js";
import { SipLoadGenerator, SipResponder, type Party, type SipSourceStats } from "./sip-load.js";
import { BareComponent, BenchClients, type C2sServer } from "./xmpp-load.js";

/** Who sends or receives: XMPP clients, the bare component, or SIP (generator as source, responder as sink). */
export type Endpoint = "clients" | "component" | "sip";

export interface SendArgs {
  via: Endpoint;
  step: number;
  rate: number;
  count: number;
  /** sequence numbers are seqOffset + i * seqStride, so several workers never share one */
  seqOffset: number;
  seqStride: number;
  from: Party;
  to: Party;
}

export interface SinkArgs {
  via: Endpoint;
  step: number;
  windowEnd?: number;
}

let clients: BenchClients | undefined;
let bare: BareComponent | undefined;
let generator: SipLoadGenerator | undefined;
let responder: SipResponder | undefined;

function sinkLog(via: Endpoint): ArrivalLog | undefined {
  return via === "clients" ? clients?.log : via === "component" ? bare?.log : responder?.log;
}

function sink(via: Endpoint): ArrivalLog {
  const log = sinkLog(via);
  if (!log) throw new Error(`no ${via} sink in this worker`);
  return log;
}

serveRpc({
  "clients.connect": async (a: { server: C2sServer; users: Array<{ user: string; password: string }> }) => {
    clients = await BenchClients.connect(a.server, a.users);
    return clients.size;
  },
  "component.start": async (a: { host: string; port: number; domain: string; secret: string }) => {
    bare = await BareComponent.start(a);
  },
  "component.stop": async () => {
    await bare?.stop();
    bare = undefined;
  },
  "sip.start": async (a: { target: { host: string; port: number }; responderPort: number }) => {
    generator = await SipLoadGenerator.start(a.target);
    responder = await SipResponder.start(a.responderPort);
  },
  send: (a: SendArgs): Promise<PacedResult> => {
    if (a.via === "clients" && clients)
      return clients.send(a.step, a.rate, a.count, a.to, a.seqOffset, a.seqStride);
    if (a.via === "component" && bare)
      return bare.send(a.step, a.rate, a.count, a.from, a.to, a.seqOffset, a.seqStride);
    if (a.via === "sip" && generator)
      return generator.send(a.step, a.rate, a.count, a.from, a.to, a.seqOffset, a.seqStride);
    throw new Error(`no ${a.via} source in this worker`);
  },
  progress: (a: SinkArgs): number => sink(a.via).progress(a.step),
  collect: (a: SinkArgs): SinkStats => sink(a.via).collect(a.step, a.windowEnd ?? Number.POSITIVE_INFINITY),
  /** Messages that arrived after their step was collected, at every sink of this worker. */
  late: (): number =>
    (["clients", "component", "sip"] as const).reduce((n, v) => n + (sinkLog(v)?.late ?? 0), 0),
  "sip.collectSource": (a: { step: number }): SipSourceStats => {
    if (!generator) throw new Error("no SIP generator in this worker");
    return generator.collect(a.step);
  },
  close: async () => {
    await clients?.close();
    await bare?.stop();
    generator?.close();
    responder?.close();
  },
});
