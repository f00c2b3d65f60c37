/**
 * Loads the Jingle stanzas and SDP bodies in test/fixtures/call/ (see the README there for where each one
 * comes from), parses stanzas the way the component connection does (inside a stream, through the IM
 * tests' helper), and compares SDP and Jingle XML in the normalised forms the tests use.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Element } from "@xmpp/xml";
import { NS_JINGLE } from "../../../src/call/namespaces.js";
import { parseStanza } from "../im/im-fixtures.js";

const DIR = fileURLToPath(new URL("../../fixtures/call/", import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(DIR + name, "utf8");
}

/** The <jingle/> element of the iq stanza in fixture `name` (a client-to-client stanza: jabber:client). */
export function jingleFixture(name: string): Element {
  const iq = parseStanza(fixtureText(name), "jabber:client");
  const jingle = iq.getChild("jingle", NS_JINGLE);
  if (!jingle) throw new Error(`${name}: no <jingle/>`);
  return jingle;
}

export { parseStanza };

/**
 * The SDP as a comparable list: per block (session, then each m=), its lines sorted, minus the lines
 * whose key (`o`, `a=msid`...: the text before the first ':' or ' ' of the value) is in `ignore`.
 */
export function sdpLineSets(sdp: string, ignore: readonly string[] = []): string[][] {
  const blocks: string[][] = [[]];
  for (const line of sdp.split(/\r?\n/)) {
    if (line === "") continue;
    if (line.startsWith("m=")) blocks.push([]);
    const key = line.startsWith("a=")
      ? line.slice(0, /[: ]|$/.exec(line.slice(2))!.index + 2)
      : line.slice(0, 1);
    if (!ignore.includes(key)) blocks[blocks.length - 1]!.push(line);
  }
  return blocks.map((b) => b.sort());
}

/** An element as plain data: resolved namespace, attributes sorted (xmlns and undefined left out), children. */
export interface CanonicalElement {
  name: string;
  ns: string | undefined;
  attrs: [string, string][];
  text: string;
  children: CanonicalElement[];
}

export function canonical(el: Element, skip: (e: Element) => boolean = () => false): CanonicalElement {
  return {
    name: el.getName(),
    ns: el.getNS(),
    attrs: Object.entries(el.attrs)
      .filter(
        (e): e is [string, string] => e[1] !== undefined && e[0] !== "xmlns" && !e[0].startsWith("xmlns:"),
      )
      .sort(([a], [b]) => (a < b ? -1 : 1)),
    text: el.children
      .filter((c): c is string => typeof c === "string")
      .join("")
      .trim(),
    children: el
      .getChildElements()
      .filter((c) => !skip(c))
      .map((c) => canonical(c, skip)),
  };
}
