// Minimal declarations for the CommonJS packages that ship no types. Only what the gateway uses.

declare module "@xmpp/xml" {
  export class Element {
    constructor(name: string, attrs?: Record<string, string | undefined>);
    name: string;
    attrs: Record<string, string | undefined>;
    children: Array<Element | string>;
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    text(): string;
    c(name: string, attrs?: Record<string, string | undefined>): Element;
    t(text: string): Element;
    up(): Element;
    append(...nodes: Array<Element | string>): Element;
    toString(): string;
  }
  type Child = Element | string | null | undefined | false;
  function xml(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: Child[]
  ): Element;
  namespace xml {
    export { Element };
    export function escapeXML(s: string): string;
    export class Parser {
      write(data: string): void;
      end(data?: string): void;
      on(event: "element" | "start" | "end" | "error", listener: (el: Element) => void): void;
    }
  }
  export default xml;
}

declare module "@xmpp/jid" {
  export class JID {
    constructor(local: string | null, domain: string, resource?: string | null);
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    equals(other: JID): boolean;
    toString(unescape?: boolean): string;
    getLocal(unescape?: boolean): string;
  }
  export function jid(address: string): JID;
  export function jid(local: string | null, domain: string, resource?: string | null): JID;
  export function escapeLocal(local: string): string;
  export function unescapeLocal(local: string): string;
  export function equal(a: JID, b: JID): boolean;
}

declare module "@xmpp/component" {
  import type { EventEmitter } from "node:events";
  import type { Element } from "@xmpp/xml";
  import type { JID } from "@xmpp/jid";

  export interface MiddlewareContext {
    stanza: Element;
    element?: Element;
    from: JID;
    to: JID;
    id: string;
    name: string;
    type: string;
    entity: Component;
  }
  export type Next = () => Promise<unknown>;
  export type Middleware = (ctx: MiddlewareContext, next: Next) => unknown;

  export interface Reconnect extends EventEmitter {
    delay: number;
    stop(): void;
    start(): void;
  }

  export interface Component extends EventEmitter {
    status: string;
    jid: JID | null;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(...elements: Element[]): Promise<void>;
    write(data: string): Promise<void>;
    reconnect: Reconnect;
    middleware: { use(fn: Middleware): void; filter(fn: Middleware): void };
    iqCallee: {
      get(ns: string, name: string, handler: (ctx: MiddlewareContext) => unknown): void;
      set(ns: string, name: string, handler: (ctx: MiddlewareContext) => unknown): void;
    };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
    timeout: number;
  }

  export function component(opts: { service: string; domain: string; password: string }): Component;
  export { default as xml } from "@xmpp/xml";
}

declare module "rtpengine-client" {
  import type { EventEmitter } from "node:events";
  export type NgResponse = Record<string, unknown> & { result?: string; "error-reason"?: string };
  export class Client extends EventEmitter {
    constructor(opts: {
      localAddress?: string;
      localPort?: number;
      timeout?: number;
      rejectOnError?: boolean;
    });
    ping(port: number, host: string): Promise<NgResponse>;
    offer(port: number, host: string, opts: Record<string, unknown>): Promise<NgResponse>;
    answer(port: number, host: string, opts: Record<string, unknown>): Promise<NgResponse>;
    delete(port: number, host: string, opts: Record<string, unknown>): Promise<NgResponse>;
    query(port: number, host: string, opts: Record<string, unknown>): Promise<NgResponse>;
    list(port: number, host: string, opts?: Record<string, unknown>): Promise<NgResponse>;
    playDTMF(port: number, host: string, opts: Record<string, unknown>): Promise<NgResponse>;
    close(): void;
  }
  export class RtpEngineError extends Error {}
}
