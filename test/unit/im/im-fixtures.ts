/**
 * Loads the captured SIP bodies and XMPP stanzas in test/fixtures/im/ (see the README there for where
 * each one comes from) and parses stanzas the way the component connection does: inside a stream, so
 * that namespaces resolve as on the wire.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import xml, { type Element } from "@xmpp/xml";

const DIR = fileURLToPath(new URL("../../fixtures/im/", import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(DIR + name);
}

export function fixtureText(name: string): string {
  return fixture(name).toString("utf8");
}

/** Parses one stanza as if it arrived on a stream whose default namespace is `streamNs`. */
export function parseStanza(text: string, streamNs = "jabber:component:accept"): Element {
  const parser = new xml.Parser();
  let stanza: Element | undefined;
  let error: unknown;
  parser.on("element", (el) => {
    stanza ??= el;
  });
  parser.on("error", (e) => {
    error = e;
  });
  parser.write(`<stream:stream xmlns="${streamNs}" xmlns:stream="http://etherx.jabber.org/streams">`);
  parser.write(text);
  if (error !== undefined) throw error;
  if (!stanza) throw new Error("no stanza parsed");
  return stanza;
}

export function stanzaFixture(name: string): Element {
  return parseStanza(fixtureText(name));
}

/** What goes on the wire and comes back: the stanza serialized and parsed again. */
export function overTheWire(stanza: Element): Element {
  return parseStanza(stanza.toString());
}

/** A `headers` accessor for sipToChatMessage from a plain record (names case-insensitive). */
export function sipHeaders(headers: Record<string, string> = {}): (name: string) => string | undefined {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower.get(name.toLowerCase());
}
