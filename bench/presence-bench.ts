/**
 * `npm run bench:presence`: the presence bridge with 10,000 subscriptions each way, then one presence
 * change fanned out to every SIP watcher (issue 4, point 5). Writes its section of docs/benchmarks.md.
 *
 * What runs: the real PresenceBridge (both directions, PIDF building and parsing, the SQLite store on
 * a temp file with its batched commits) in this process, driven through the same entry points the
 * doors call (SipLink handlers, ComponentLink stanza handler). The doors are in-memory fakes that
 * answer every SIP request 200 at once and swallow stanzas: this measures the gateway's own cost
 * per subscription and per NOTIFY, not drachtio or the XMPP server (the end-to-end presence load test
 * is listed as missing in the README). The baseline, in the same run, is the same driver loop
 * against handlers that only answer (the cost of the harness itself).
 *
 * Memory per subscription: live heap after a full GC (node --expose-gc), after minus before, divided
 * by the number of subscriptions; the SQLite file size is reported apart (it is on disk).
 *
 * Options: --count N (default 10000)  --out FILE  --no-write
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import xml from "@xmpp/xml";
import { AddressMapper } from "../src/address/address-mapper.js";
import { moduleLogger, silenceLogging } from "../src/log/logger.js";
import { PresenceBridge } from "../src/presence/presence-bridge.js";
import type { PresenceContext } from "../src/presence/presence-ports.js";
import { SqlitePresenceStore } from "../src/presence/store/sqlite-store.js";
import type { SipRequest, SipResponse } from "../src/sip/sip-link.js";
import { fakeRequest, fakeResponse } from "../test/support/fake-sip.js";

silenceLogging(true);
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const COUNT = Number(opt("count") ?? 10_000);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const OUT = opt("out") ?? path.join(root, "docs", "benchmarks.md");

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const PIDF = (n: number) =>
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob${n}@sip.example.com"><tuple id="t"><status><basic>open</basic></status><note>at desk</note></tuple></presence>`;

const request = fakeRequest;
const response = (): SipResponse => fakeResponse(() => `gw${Math.random().toString(36).slice(2)}`).res;

interface Result {
  sipSetupPerS: number;
  fanoutNotifyPerS: number;
  xmppSetupPerS: number;
  bytesPerSipWatcher: number;
  bytesPerXmppWatcher: number;
  notifies: number;
  dbBytes: number;
}

async function run(kind: "gateway" | "baseline"): Promise<Result> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "presence-bench-"));
  const store = new SqlitePresenceStore(path.join(dir, "presence.sqlite"));
  let notifies = 0;
  let subscribes = 0;
  let lastSubscribe: Record<string, string> = {};
  const ctx: PresenceContext = {
    xmpp: { domain: "sip.example.com", online: true, send: () => Promise.resolve() },
    sip: {
      connected: true,
      request: (r) => {
        if (r.method === "NOTIFY") notifies++;
        else {
          subscribes++;
          lastSubscribe = r.headers;
        }
        const n = subscribes;
        return Promise.resolve({
          status: 200,
          reason: "OK",
          get: (h: string) =>
            h === "To"
              ? `<${r.uri}>;tag=n${n}`
              : h === "Contact"
                ? `<sip:ua${n}@192.0.2.1>`
                : h === "Expires"
                  ? "3600"
                  : undefined,
        });
      },
    },
    addresses: new AddressMapper({
      componentDomain: "sip.example.com",
      sipDomains: ["sip.example.com"],
      xmppDomains: ["xmpp.example.com"],
    }),
    store,
    settings: { expires: 3600, minExpires: 60, maxExpires: 3600, outboundProxy: "" },
    log: moduleLogger("presence-bench"),
    now: () => Date.now(),
    newToken: () => Math.random().toString(36).slice(2),
  };
  const bridge = new PresenceBridge(ctx);
  const noop = async (_req: SipRequest, res: SipResponse) => {
    res.send(200);
    return Promise.resolve();
  };
  const onSubscribe = kind === "gateway" ? bridge.handleSubscribe : noop;
  const onNotify = kind === "gateway" ? bridge.handleNotify : noop;
  const onStanza = kind === "gateway" ? bridge.handleStanza : () => Promise.resolve(true);

  // 1. SIP -> XMPP: COUNT SIP users subscribe to alice; she authorizes each.
  const h0 = heap();
  let t = performance.now();
  for (let i = 0; i < COUNT; i++) {
    await onSubscribe(
      request("SUBSCRIBE", "sip:alice@xmpp.example.com", {
        "Call-ID": `sub-${i}@bench`,
        From: `<sip:bob${i}@sip.example.com>;tag=w${i}`,
        To: "<sip:alice@xmpp.example.com>",
        Contact: `<sip:bob${i}@192.0.2.2:5060>`,
        Event: "presence",
        Expires: "3600",
      }),
      response(),
    );
    await onStanza(
      xml("presence", { from: "alice@xmpp.example.com", to: `bob${i}@sip.example.com`, type: "subscribed" }),
    );
  }
  const sipSetupS = (performance.now() - t) / 1000;
  await new Promise((r) => setImmediate(r));
  const h1 = heap();

  // 2. One presence change of alice: her server sends a copy to each of the COUNT contacts.
  const before = notifies;
  t = performance.now();
  for (let i = 0; i < COUNT; i++) {
    await onStanza(
      xml(
        "presence",
        { from: "alice@xmpp.example.com/laptop", to: `bob${i}@sip.example.com` },
        xml("show", {}, "dnd"),
        xml("status", {}, "in a call"),
      ),
    );
  }
  const fanoutS = (performance.now() - t) / 1000;
  const fanout = kind === "gateway" ? notifies - before : COUNT;

  // 3. XMPP -> SIP: COUNT XMPP users subscribe to SIP users; each gets a NOTIFY active with PIDF.
  const h2 = heap();
  t = performance.now();
  for (let i = 0; i < COUNT; i++) {
    await onStanza(
      xml("presence", {
        from: `user${i}@xmpp.example.com/r`,
        to: `bob${i}@sip.example.com`,
        type: "subscribe",
      }),
    );
    await onNotify(
      request(
        "NOTIFY",
        `sip:user${i}@xmpp.example.com`,
        {
          "Call-ID": lastSubscribe["Call-ID"] ?? "",
          From: `<sip:bob${i}@sip.example.com>;tag=n`,
          To: lastSubscribe["From"] ?? "",
          Event: "presence",
          "Subscription-State": "active;expires=3600",
          "Content-Type": "application/pidf+xml",
        },
        PIDF(i),
      ),
      response(),
    );
  }
  const xmppSetupS = (performance.now() - t) / 1000;
  await new Promise((r) => setImmediate(r));
  const h3 = heap();
  bridge.stop();
  const dbBytes = statSync(path.join(dir, "presence.sqlite")).size + walSize(dir);
  return {
    sipSetupPerS: COUNT / sipSetupS,
    fanoutNotifyPerS: fanout / fanoutS,
    xmppSetupPerS: COUNT / xmppSetupS,
    bytesPerSipWatcher: (h1 - h0) / COUNT,
    bytesPerXmppWatcher: (h3 - h2) / COUNT,
    notifies: fanout,
    dbBytes,
  };
}

function walSize(dir: string): number {
  try {
    return statSync(path.join(dir, "presence.sqlite-wal")).size;
  } catch {
    return 0;
  }
}

if (!gc) console.error("warning: run with node --expose-gc for memory figures (npm run bench:presence does)");
const base = await run("baseline");
const gw = await run("gateway");
const f = (n: number) => Math.round(n).toLocaleString("en-US");
const table = [
  `| ${COUNT.toLocaleString("en-US")} subscriptions each way | gateway (bridge + SQLite) | baseline (harness only) |`,
  "|---|---|---|",
  `| SIP watchers set up (SUBSCRIBE, 202, NOTIFY pending, subscribe, subscribed, NOTIFY active), per s | ${f(gw.sipSetupPerS)} | ${f(base.sipSetupPerS)} |`,
  `| one presence change fanned out: NOTIFYs per s (${f(gw.notifies)} NOTIFYs) | ${f(gw.fanoutNotifyPerS)} | ${f(base.fanoutNotifyPerS)} |`,
  `| XMPP watchers set up (subscribe, SUBSCRIBE, 200, NOTIFY + PIDF, subscribed, presence), per s | ${f(gw.xmppSetupPerS)} | ${f(base.xmppSetupPerS)} |`,
  `| live heap per SIP watcher (bytes) | ${f(gw.bytesPerSipWatcher)} | ${f(base.bytesPerSipWatcher)} |`,
  `| live heap per XMPP watcher (bytes) | ${f(gw.bytesPerXmppWatcher)} | ${f(base.bytesPerXmppWatcher)} |`,
  `| SQLite file for both (bytes, on disk) | ${f(gw.dbBytes)} | |`,
].join("\n");
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const section = `<!-- presence-bench:start -->
## Presence: ${COUNT.toLocaleString("en-US")} subscriptions and one fan-out (\`npm run bench:presence\`)

Run on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, Node ${process.version}. In-process: the
real presence bridge and SQLite store, with in-memory doors that answer at once (see the header of
\`bench/presence-bench.ts\`); drachtio and the XMPP server are not in this measurement.

${table}
<!-- presence-bench:end -->`;
console.log(section);
if (!args.includes("--no-write")) {
  const doc = readFileSync(OUT, "utf8");
  const re = /<!-- presence-bench:start -->[\s\S]*<!-- presence-bench:end -->/;
  writeFileSync(OUT, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
  console.log(`wrote ${OUT}`);
}
