/**
 * Loads the PIDF documents in test/fixtures/presence/ (see the README there for where each one comes
 * from) and parses XMPP stanzas the way the component connection does (inside a stream, through the IM
 * tests' helper).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export { parseStanza } from "../im/im-fixtures.js";

const DIR = fileURLToPath(new URL("../../fixtures/presence/", import.meta.url));

/** The fixture's bytes, as a SIP body arrives. */
export function fixture(name: string): Buffer {
  return readFileSync(DIR + name);
}

export function fixtureText(name: string): string {
  return fixture(name).toString("utf8");
}
