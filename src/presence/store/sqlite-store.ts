/**
 * The default PresenceStore: one SQLite file (better-sqlite3), no server to run. Four tables of
 * `key -> JSON value`. Writes are collected and committed together once per event-loop turn (one
 * transaction for a burst of changes, so 10,000 subscriptions set up at once are not 10,000 fsyncs);
 * WAL journaling with synchronous=NORMAL, which survives a process crash (the case that matters for a
 * gateway restart) and can lose at most the last commits on a power failure.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  authorizationKey,
  outboundKey,
  type InboundSubscription,
  type OutboundSubscription,
  type PresenceStore,
  type StoredPresence,
  type XmppPresence,
} from "./presence-store.js";

const TABLES = ["outbound", "inbound", "authorizations", "xmpp_presence"] as const;
type Table = (typeof TABLES)[number];

export class SqlitePresenceStore implements PresenceStore {
  private readonly db: Database.Database;
  /** Pending writes per table: a JSON value to store, or null to delete. */
  private readonly pending = new Map<Table, Map<string, string | null>>();
  private flushScheduled = false;
  private readonly flushAll: () => void;

  /** Opens (creating if needed) the file; throws with the path in the message when it cannot. */
  constructor(readonly path: string) {
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
    } catch (e) {
      throw new Error(
        `presence.database: cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
        },
      );
    }
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    for (const t of TABLES) {
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${t} (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
      );
    }
    const upsert = new Map(
      TABLES.map((t) => [
        t,
        this.db.prepare(
          `INSERT INTO ${t} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        ),
      ]),
    );
    const remove = new Map(TABLES.map((t) => [t, this.db.prepare(`DELETE FROM ${t} WHERE key = ?`)]));
    this.flushAll = this.db.transaction(() => {
      for (const [table, writes] of this.pending) {
        for (const [key, value] of writes) {
          if (value === null) remove.get(table)?.run(key);
          else upsert.get(table)?.run(key, value);
        }
      }
      this.pending.clear();
    });
  }

  load(): Promise<StoredPresence> {
    this.flush();
    const rows = (t: Table) =>
      this.db.prepare(`SELECT key, value FROM ${t}`).all() as { key: string; value: string }[];
    return Promise.resolve({
      outbound: rows("outbound").map((r) => JSON.parse(r.value) as OutboundSubscription),
      inbound: rows("inbound").map((r) => JSON.parse(r.value) as InboundSubscription),
      authorizations: rows("authorizations").map((r) => r.key),
      xmppPresence: new Map(rows("xmpp_presence").map((r) => [r.key, JSON.parse(r.value) as XmppPresence])),
    });
  }

  putOutbound(s: OutboundSubscription): void {
    this.write("outbound", outboundKey(s.watcher, s.contact), JSON.stringify(s));
  }
  deleteOutbound(watcher: string, contact: string): void {
    this.write("outbound", outboundKey(watcher, contact), null);
  }
  putInbound(s: InboundSubscription): void {
    this.write("inbound", s.id, JSON.stringify(s));
  }
  deleteInbound(id: string): void {
    this.write("inbound", id, null);
  }
  setAuthorized(presentity: string, watcherJid: string, authorized: boolean): void {
    this.write("authorizations", authorizationKey(presentity, watcherJid), authorized ? "true" : null);
  }
  putXmppPresence(presentity: string, presence: XmppPresence): void {
    this.write("xmpp_presence", presentity, JSON.stringify(presence));
  }

  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }

  /** Commits the pending writes now (also done once per event-loop turn by itself). */
  flush(): void {
    if (this.pending.size > 0 && this.db.open) this.flushAll();
  }

  private write(table: Table, key: string, value: string | null): void {
    let writes = this.pending.get(table);
    if (!writes) this.pending.set(table, (writes = new Map()));
    writes.set(key, value);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }
}
