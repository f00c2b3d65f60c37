/**
 * A real XMPP client for end-to-end tests, built on @xmpp/client 0.13.1.
 *
 * It logs in with SASL PLAIN on the plain-text stream: SCRAM-SHA-1 in @xmpp/client's pure-JS
 * implementation takes seconds per login. @xmpp/client 0.13 always picks the first mechanism it
 * supports (SCRAM-SHA-1) and ignores a mechanism passed to `auth()`, so the offered mechanism list
 * is reduced to PLAIN before its SASL handler sees the stream features.
 */
import { createRequire } from "node:module";
import type { JID } from "@xmpp/jid";
import xml, { type Element } from "@xmpp/xml";
import type { XmppServer } from "./xmpp-server.js";

/** @xmpp/xml's element factory and Element type (declared in types/vendor.d.ts), for tests. */
export { xml, type Element };

/** The parts of an @xmpp/client 0.13 entity used here. */
export interface XmppClientEntity {
  jid: JID | null;
  status: string;
  options: { service: string; domain: string };
  socket: { destroy(): void } | null;
  reconnect: { stop(): void };
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  send(el: Element): Promise<void>;
  on(event: "stanza" | "element", listener: (el: Element) => void): this;
  on(event: "error", listener: (err: Error) => void): this;
  on(event: "status", listener: (status: string) => void): this;
  prependListener(event: "element", listener: (el: Element) => void): this;
}

interface XmppClientModule {
  client(options: {
    service: string;
    domain: string;
    resource?: string;
    username?: string;
    password?: string;
  }): XmppClientEntity;
}

// @xmpp/client (a devDependency, CommonJS) ships no types and types/vendor.d.ts does not declare it.
const require = createRequire(import.meta.url);
const xmppClient = require("@xmpp/client") as XmppClientModule;

const NS_STREAMS = "http://etherx.jabber.org/streams";
const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";

/** Thrown by `iq()` when the answer is an error: carries the error stanza and its condition. */
export class IqError extends Error {
  readonly stanza: Element;
  /** e.g. "item-not-found", "service-unavailable". */
  readonly condition: string | undefined;
  readonly errorType: string | undefined;
  constructor(stanza: Element) {
    const error = stanza.getChild("error");
    const condition = error
      ?.getChildElements()
      .find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text")?.name;
    super(`iq error ${condition ?? "(no condition)"}: ${stanza.toString()}`);
    this.name = "IqError";
    this.stanza = stanza;
    this.condition = condition;
    this.errorType = error?.attrs.type;
  }
}

export interface ConnectClientOptions {
  server: Pick<XmppServer, "host" | "c2sPort" | "domain">;
  user: string;
  password: string;
  resource?: string;
  /** Send initial presence after login and wait for its reflection (default true). */
  presence?: boolean;
  /** Login timeout, default 10000 ms. */
  timeoutMs?: number;
}

export interface TestClient {
  /** Full JID after resource binding. */
  jid: string;
  bareJid: string;
  xmpp: XmppClientEntity;
  /** Every stanza received since login, in order (also the ones consumed by waitFor/iq). */
  stanzas: Element[];
  /** Errors emitted by the connection. */
  errors: Error[];
  send(el: Element): Promise<void>;
  /**
   * Sends an iq (an id is added if missing) and resolves with the `result`,
   * or rejects with an IqError carrying the `error` stanza (or on timeout, default 5000 ms).
   */
  iq(el: Element, timeoutMs?: number): Promise<Element>;
  /**
   * Resolves with the first incoming stanza matching `predicate`: the oldest not yet consumed one
   * received since login, else the next one to arrive. Each stanza is consumed by at most one waitFor.
   * Rejects after timeoutMs (default 5000 ms) or when the connection closes.
   */
  waitFor(predicate: (el: Element) => boolean, timeoutMs?: number): Promise<Element>;
  /** Closes the stream (bounded by a timeout) and the socket. Safe to call twice. */
  stop(): Promise<void>;
}

interface Waiter {
  predicate: (el: Element) => boolean;
  resolve: (el: Element) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

let idCounter = 0;

export async function connectClient(opts: ConnectClientOptions): Promise<TestClient> {
  const { server, user, password } = opts;
  const xmpp = xmppClient.client({
    service: `xmpp://${server.host}:${server.c2sPort}`,
    domain: server.domain,
    resource: opts.resource,
    username: user,
    password,
  });
  // Tests decide themselves when to connect again.
  xmpp.reconnect.stop();

  xmpp.prependListener("element", (el) => {
    if (!el.is("features", NS_STREAMS)) return;
    const mechanisms = el.getChild("mechanisms", NS_SASL);
    if (!mechanisms) return;
    mechanisms.children = mechanisms.children.filter(
      (c) => typeof c === "string" || c.name !== "mechanism" || c.text() === "PLAIN",
    );
  });

  const stanzas: Element[] = [];
  const unconsumed: Element[] = [];
  const errors: Error[] = [];
  const waiters: Waiter[] = [];
  let closed = false;

  const rejectAll = (reason: string): void => {
    for (const w of waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
  };

  xmpp.on("error", (err) => errors.push(err));
  xmpp.on("stanza", (el) => {
    stanzas.push(el);
    const i = waiters.findIndex((w) => w.predicate(el));
    const w = i >= 0 ? waiters.splice(i, 1)[0] : undefined;
    if (w) {
      clearTimeout(w.timer);
      w.resolve(el);
    } else {
      unconsumed.push(el);
    }
  });
  xmpp.on("status", (status) => {
    if (status === "disconnect" || status === "offline") {
      closed = true;
      rejectAll(`${user}: connection ${status}`);
    }
  });

  const waitFor = (predicate: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> => {
    const i = unconsumed.findIndex(predicate);
    if (i >= 0) return Promise.resolve(unconsumed.splice(i, 1)[0] as Element);
    if (closed) return Promise.reject(new Error(`${user}: connection closed`));
    return new Promise<Element>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          const idx = waiters.indexOf(waiter);
          if (idx >= 0) waiters.splice(idx, 1);
          reject(new Error(`${user}: no matching stanza within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      waiters.push(waiter);
    });
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        xmpp.stop().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, 3000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      xmpp.socket?.destroy();
      closed = true;
      rejectAll(`${user}: client stopped`);
    }
  };

  const loginTimeoutMs = opts.timeoutMs ?? 10000;
  let loginTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      xmpp.start(),
      new Promise((_, reject) => {
        loginTimer = setTimeout(
          () => reject(new Error(`login of ${user}@${server.domain} timed out after ${loginTimeoutMs} ms`)),
          loginTimeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(loginTimer);
  }

  const jid = xmpp.jid?.toString() ?? "";
  const client: TestClient = {
    jid,
    bareJid: xmpp.jid?.bare().toString() ?? "",
    xmpp,
    stanzas,
    errors,
    send: (el) => xmpp.send(el),
    async iq(el, timeoutMs = 5000) {
      if (el.attrs.id == null) el.attrs.id = `test-iq-${++idCounter}`;
      const id = el.attrs.id;
      const answer = waitFor(
        (s) =>
          s.name === "iq" && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"),
        timeoutMs,
      );
      try {
        await xmpp.send(el);
      } catch (err) {
        answer.catch(() => undefined);
        throw err;
      }
      const res = await answer;
      if (res.attrs.type === "error") throw new IqError(res);
      return res;
    },
    waitFor,
    stop,
  };

  if (opts.presence ?? true) {
    const reflected = waitFor((s) => s.name === "presence" && s.attrs.from === jid && s.attrs.type == null);
    try {
      await xmpp.send(xml("presence"));
      await reflected;
    } catch (err) {
      reflected.catch(() => undefined);
      await stop();
      throw err;
    }
  }
  return client;
}
