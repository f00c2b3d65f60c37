/**
 * Shared adapter test for the XMPP servers of the bench (used by prosody.test.ts and ejabberd.test.ts).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, it } from "node:test";
import { component, type Component } from "@xmpp/component";
import type { XmppServer, XmppServerOptions } from "../../support/xmpp-server.js";
import {
  connectClient,
  IqError,
  xml,
  type Element,
  type TestClient,
} from "../../support/xmpp-test-client.js";

async function connectComponent(server: XmppServer): Promise<{ entity: Component; received: Element[] }> {
  const entity = component({
    service: `xmpp://${server.host}:${server.componentPort}`,
    domain: server.componentDomain,
    password: server.componentSecret,
  });
  entity.reconnect.stop();
  const received: Element[] = [];
  entity.on("error", () => undefined);
  entity.on("stanza", (el: Element) => received.push(el));
  await entity.start();
  return { entity, received };
}

async function stopComponent(entity: Component): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    entity.stop().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 3000);
    }),
  ]);
  clearTimeout(timer);
  // not in the declared type: the TCP socket, destroyed in case the server did not close the stream
  (entity as unknown as { socket?: { destroy(): void } | null }).socket?.destroy();
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ms = (start: number): string => `${Date.now() - start} ms`;

export function xmppServerCases(
  kind: XmppServer["kind"],
  startServer: (opts?: XmppServerOptions) => Promise<XmppServer>,
): void {
  describe(`${kind} bench helper`, () => {
    let server: XmppServer | undefined;
    const clients: TestClient[] = [];
    const components: Component[] = [];

    after(async () => {
      for (const c of clients) await c.stop();
      for (const c of components) await stopComponent(c);
      await server?.stop();
    });

    it("starts, registers users, routes client and component messages, restarts", async (t) => {
      let t0 = Date.now();
      server = await startServer({ users: [{ user: "alice", password: "alicepw" }] });
      t.diagnostic(`${kind} start: ${ms(t0)}`);
      assert.equal(server.kind, kind);
      assert.equal(server.domain, "xmpp.test");
      assert.equal(server.componentDomain, "sip.xmpp.test");

      t0 = Date.now();
      await server.registerUser("bob", "bobpw");
      t.diagnostic(`${kind} registerUser: ${ms(t0)}`);
      await server.registerUser("bob", "bobpw"); // registering again is fine

      t0 = Date.now();
      const alice = await connectClient({ server, user: "alice", password: "alicepw" });
      clients.push(alice);
      t.diagnostic(`${kind} client login: ${ms(t0)}`);
      const bob = await connectClient({ server, user: "bob", password: "bobpw", resource: "phone" });
      clients.push(bob);
      assert.equal(bob.jid, "bob@xmpp.test/phone");
      assert.equal(alice.bareJid, "alice@xmpp.test");

      await alice.send(xml("message", { to: bob.bareJid, type: "chat" }, xml("body", {}, "hello bob")));
      const msg = await bob.waitFor((s) => s.name === "message" && s.getChildText("body") === "hello bob");
      assert.equal(msg.attrs.from, alice.jid);

      // iq(): a result, and an error stanza surfaced as IqError
      const pong = await alice.iq(
        xml("iq", { type: "get", to: server.domain }, xml("ping", { xmlns: "urn:xmpp:ping" })),
      );
      assert.equal(pong.attrs.type, "result");
      await assert.rejects(
        alice.iq(
          xml("iq", { type: "get", to: "nobody@xmpp.test/x" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
        ),
        (err: unknown) =>
          err instanceof IqError && err.stanza.attrs.type === "error" && err.condition != null,
      );
      await assert.rejects(connectClient({ server, user: "alice", password: "wrong" }));

      t0 = Date.now();
      const comp = await connectComponent(server);
      components.push(comp.entity);
      t.diagnostic(`${kind} component connect: ${ms(t0)}`);
      await bob.send(
        xml("message", { to: `x@${server.componentDomain}` }, xml("body", {}, "to the gateway")),
      );
      await until(
        () => comp.received.some((s) => s.name === "message" && s.getChildText("body") === "to the gateway"),
        5000,
        "the message at the component",
      );
      const atComponent = comp.received.find((s) => s.name === "message");
      assert.equal(atComponent?.attrs.from, bob.jid);
      assert.equal(atComponent?.attrs.to, `x@${server.componentDomain}`);

      // and back from the component to the client
      await comp.entity.send(
        xml(
          "message",
          { from: `x@${server.componentDomain}`, to: bob.jid },
          xml("body", {}, "from the gateway"),
        ),
      );
      await bob.waitFor((s) => s.name === "message" && s.getChildText("body") === "from the gateway");

      for (const c of clients.splice(0)) await c.stop();
      for (const c of components.splice(0)) await stopComponent(c);

      t0 = Date.now();
      await server.restart();
      t.diagnostic(`${kind} restart: ${ms(t0)}`);
      const again = await connectClient({ server, user: "bob", password: "bobpw" });
      clients.push(again);
      const comp2 = await connectComponent(server);
      components.push(comp2.entity);
      await again.send(
        xml("message", { to: `y@${server.componentDomain}` }, xml("body", {}, "after restart")),
      );
      await until(() => comp2.received.some((s) => s.name === "message"), 5000, "a message after restart");
      for (const c of clients.splice(0)) await c.stop();
      for (const c of components.splice(0)) await stopComponent(c);

      const dir = server.dir;
      t0 = Date.now();
      await server.stop();
      t.diagnostic(`${kind} stop: ${ms(t0)}`);
      await server.stop(); // idempotent
      server = undefined;
      if (process.env.KEEP_TEST_DIRS !== "1") assert.equal(existsSync(dir), false);
    });
  });
}
