import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  MemoryPresenceStore,
  type InboundSubscription,
  type OutboundSubscription,
  type PresenceStore,
} from "../../../src/presence/store/presence-store.js";
import { SqlitePresenceStore } from "../../../src/presence/store/sqlite-store.js";

const outbound: OutboundSubscription = {
  watcher: "alice@xmpp.example.com",
  contact: "bob@sip.example.com",
  sipUri: "sip:bob@sip.example.com",
  state: "active",
  expiresAt: 1_700_000_000_000,
  presence: { available: true, show: "away", status: "lunch ✓" },
};
const inbound: InboundSubscription = {
  id: "call-1;tagb",
  watcherUri: "sip:bob@sip.example.com",
  watcherJid: "bob@sip.example.com",
  presentity: "alice@xmpp.example.com",
  dialog: {
    callId: "call-1",
    localTag: "taga",
    remoteTag: "tagb",
    localUri: "sip:alice@xmpp.example.com",
    remoteUri: "sip:bob@sip.example.com",
    remoteTarget: "sip:bob@192.0.2.1",
    routeSet: ["<sip:proxy;lr>"],
  },
  expiresAt: 1_700_000_000_000,
  state: "pending",
};

function fill(store: PresenceStore): void {
  store.putOutbound(outbound);
  store.putOutbound({ ...outbound, contact: "carol@sip.example.com" });
  store.deleteOutbound(outbound.watcher, "carol@sip.example.com");
  store.putInbound(inbound);
  store.putInbound({ ...inbound, id: "call-2;x" });
  store.deleteInbound("call-2;x");
  store.setAuthorized("alice@xmpp.example.com", "bob@sip.example.com", true);
  store.setAuthorized("alice@xmpp.example.com", "eve@sip.example.com", true);
  store.setAuthorized("alice@xmpp.example.com", "eve@sip.example.com", false);
  store.putXmppPresence("alice@xmpp.example.com", { laptop: { available: true, show: "dnd" } });
}

async function check(store: PresenceStore): Promise<void> {
  const s = await store.load();
  assert.deepEqual(s.outbound, [outbound]);
  assert.deepEqual(s.inbound, [inbound]);
  assert.deepEqual(s.authorizations, ["alice@xmpp.example.com|bob@sip.example.com"]);
  assert.deepEqual(s.xmppPresence.get("alice@xmpp.example.com"), {
    laptop: { available: true, show: "dnd" },
  });
}

describe("presence stores", () => {
  it("memory: keeps what was put, forgets what was deleted", async () => {
    const store = new MemoryPresenceStore();
    fill(store);
    await check(store);
  });

  it("SQLite: the same, across closing and reopening the file (a restart)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "presence-store-")), "sub", "p.sqlite");
    const first = new SqlitePresenceStore(path);
    fill(first);
    first.close();
    const second = new SqlitePresenceStore(path);
    await check(second);
    second.close();
  });

  it("SQLite: writes are committed within the event-loop turn's batch", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "presence-store-")), "p.sqlite");
    const store = new SqlitePresenceStore(path);
    for (let i = 0; i < 1000; i++) store.putInbound({ ...inbound, id: `c${i};t` });
    await new Promise((r) => setImmediate(r));
    const reader = new SqlitePresenceStore(path);
    assert.equal((await reader.load()).inbound.length, 1000);
    reader.close();
    store.close();
  });

  it("SQLite: an unusable path names the config key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "presence-store-")), "a-file");
    writeFileSync(file, "not a directory");
    assert.throws(() => new SqlitePresenceStore(join(file, "p.sqlite")), /presence\.database/);
  });
});
