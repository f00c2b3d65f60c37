/**
 * XEP-0115 Entity Capabilities: the verification string of a disco#info answer, so clients learn
 * from a presence's <c/> what a JID supports (the call button) without asking each time.
 *
 * XEP-0115 section 5.1: S = for each identity, sorted by category, type, lang:
 * "category/type/lang/name<"; then for each feature, sorted: "feature<"; (no extended forms here);
 * ver = Base64(SHA-1(UTF-8(S))).
 */
import { createHash } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { DiscoInfo } from "./disco.js";

export const NS_CAPS = "http://jabber.org/protocol/caps";
/** XEP-0115 section 4: "node ... a URI that uniquely identifies a software application". */
export const CAPS_NODE = "https://github.com/sip-xmpp-gateway/sip-xmpp-gateway";

interface LangIdentity {
  category: string;
  type: string;
  name?: string | undefined;
  lang?: string | undefined;
}

export function capsVerification(info: DiscoInfo): string {
  const identities = (info.identities as LangIdentity[])
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ""}/${i.name ?? ""}`)
    .sort(octetCompare);
  const features = [...info.features].sort(octetCompare);
  const s = [...identities, ...features].map((x) => `${x}<`).join("");
  return createHash("sha1").update(s, "utf8").digest("base64");
}

/** The <c/> element for a presence (XEP-0115 section 4). */
export function capsElement(info: DiscoInfo): Element {
  return xml("c", { xmlns: NS_CAPS, hash: "sha-1", node: CAPS_NODE, ver: capsVerification(info) });
}

/** XEP-0115 section 5.1 sorts "using 'i;octet' collation as specified in Section 9.3 of RFC 4790". */
function octetCompare(a: string, b: string): number {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return Buffer.compare(x, y);
}
