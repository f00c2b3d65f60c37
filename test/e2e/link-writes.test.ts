/**
 * The gateway's two TCP links batch their writes (src/util/coalesce-writes.ts): what one event-loop
 * turn writes leaves in one writev(2). Checked here on the real links, in-process, against a real
 * Prosody and drachtio (the test server, or a real drachtio-server given by DRACHTIO_* variables):
 * two frames sent in one turn reach the socket's stream as one `_writev` call, and the peer
 * answers them both.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { Health } from "../../src/health/health.js";
import { moduleLogger, silenceLogging } from "../../src/log/logger.js";
import { SipLink } from "../../src/sip/sip-link.js";
import { TrustedSources } from "../../src/sip/trusted-sources.js";
import { ComponentLink } from "../../src/xmpp/component-link.js";
import { getDrachtioEndpoint, type DrachtioEndpoint } from "../support/drachtio-endpoint.js";
import { startProsody } from "../support/prosody.js";
import type { XmppServer } from "../support/xmpp-server.js";
import { connectClient, xml, type TestClient } from "../support/xmpp-test-client.js";

/** Records how the socket's stream hands chunks to the kernel: one entry per write or writev. */
function recordWrites(socket: Socket): string[][] {
  const calls: string[][] = [];
  const w = socket as unknown as {
    _write(chunk: Buffer, enc: string, cb: () => void): void;
    _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void): void;
  };
  const write = w._write.bind(socket);
  const writev = w._writev.bind(socket);
  w._write = (chunk, enc, cb) => {
    calls.push([String(chunk)]);
    write(chunk, enc, cb);
  };
  w._writev = (chunks, cb) => {
    calls.push(chunks.map((c) => String(c.chunk)));
    writev(chunks, cb);
  };
  return calls;
}

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("link writes are batched per event-loop turn", () => {
  let server: XmppServer;
  let drachtio: DrachtioEndpoint;
  let alice: TestClient;
  const health = new Health();

  before(async () => {
    silenceLogging(true);
    [server, drachtio] = await Promise.all([
      startProsody({ users: [{ user: "alice", password: "alicepw" }] }),
      getDrachtioEndpoint(),
    ]);
    alice = await connectClient({ server, user: "alice", password: "alicepw", resource: "laptop" });
  });
  after(async () => {
    await alice?.stop();
    await Promise.all([server?.stop(), drachtio?.stop()]);
    silenceLogging(false);
  });

  it("component link: two stanzas in one turn are one writev, and both are delivered", async () => {
    const link = new ComponentLink(
      {
        host: server.host,
        port: server.componentPort,
        domain: server.componentDomain,
        secret: server.componentSecret,
        reconnectDelay: 100,
        reconnectMaxDelay: 1000,
      },
      health,
      moduleLogger("test"),
    );
    link.start();
    try {
      await until(() => link.online, "the component online");
      const socket = (link as unknown as { xmpp: { socket: Socket } }).xmpp.socket;
      const calls = recordWrites(socket);
      const msg = (id: string) =>
        xml("message", { from: `bob@${server.componentDomain}`, to: alice.bareJid, id }, xml("body", {}, id));
      await Promise.all([link.send(msg("one")), link.send(msg("two"))]);
      const batched = calls.filter((c) => c.some((s) => s.includes('id="one"')));
      assert.equal(batched.length, 1);
      assert.ok(
        batched[0]?.some((s) => s.includes('id="two"')),
        `one write call for both: ${JSON.stringify(calls)}`,
      );
      await alice.waitFor((s) => s.is("message") && s.attrs.id === "two", 5000);
      await alice.waitFor((s) => s.is("message") && s.attrs.id === "one", 5000);
    } finally {
      await link.stop();
    }
  });

  it("drachtio link: two frames in one turn are one writev, and drachtio answers both", async () => {
    const link = new SipLink(
      { host: drachtio.host, port: drachtio.port, secret: drachtio.secret, reconnectMaxDelay: 1000 },
      health,
      moduleLogger("test"),
      new TrustedSources(["127.0.0.1"]),
    );
    link.start();
    try {
      await until(() => link.connected, "the drachtio link up");
      const agent = (
        link.srf as unknown as {
          _app: {
            client: {
              mapServer: Map<Socket, unknown>;
              wp: {
                send(socket: Socket, msg: string): string;
                on(e: "msg", f: (s: Socket, m: string) => void): void;
              };
            };
          };
        }
      )._app.client;
      const [socket] = [...agent.mapServer.keys()];
      assert.ok(socket, "drachtio-srf's admin socket");
      const answered = new Set<string>();
      agent.wp.on("msg", (_s, m) => answered.add(m.split("|")[2] ?? ""));
      const calls = recordWrites(socket);
      // Two admin-protocol pings (drachtio answers each with "response|<its id>|OK").
      const ids = [agent.wp.send(socket, "ping"), agent.wp.send(socket, "ping")];
      await new Promise((r) => setImmediate(r));
      assert.equal(calls.length, 1, `one write call for both: ${JSON.stringify(calls)}`);
      assert.equal(calls[0]?.length, 2);
      await until(() => ids.every((id) => answered.has(id)), "both pings answered", 5000);
    } finally {
      link.stop();
    }
  });
});
