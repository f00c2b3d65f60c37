/**
 * XMPP <priority/> <-> the PIDF <contact/> 'priority' attribute. Both order the ways of reaching a
 * presentity, on different scales:
 *
 * - RFC 6121 section 4.7.2.3: "The value MUST be an integer between -128 and +127." and "If no
 *   priority is provided, the processing server or client MUST consider the priority to be zero".
 *   A negative priority means "never deliver messages to this resource".
 * - RFC 3863 section 4.1.5: a qvalue, a decimal from 0 to 1 with at most three decimals (the schema's
 *   `qvalue` type, checked in python-sipsimple's copy of pidf.xsd).
 *
 * The mapping is linear on the part both scales share: priority p >= 0 <-> q = p / 127 (three
 * decimals); negative priorities map to q = 0 (the lowest preference PIDF can express). The way back
 * rounds, so every priority 0..127 survives a round trip. docs/presence.md, "Priority".
 */

export const MIN_XMPP_PRIORITY = -128;
export const MAX_XMPP_PRIORITY = 127;

/** The qvalue string for an XMPP priority (undefined: no priority attribute). */
export function priorityToQvalue(priority: number | undefined): string | undefined {
  if (priority === undefined || !Number.isInteger(priority)) return undefined;
  const q = Math.min(Math.max(priority, 0), MAX_XMPP_PRIORITY) / MAX_XMPP_PRIORITY;
  return q === 1 ? "1" : q.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
}

/** The XMPP priority for a qvalue (undefined: no, or an unreadable, priority). */
export function qvalueToPriority(q: number | undefined): number | undefined {
  if (q === undefined || !Number.isFinite(q) || q < 0 || q > 1) return undefined;
  return Math.round(q * MAX_XMPP_PRIORITY);
}

/** Parses an XMPP <priority/> text: an integer in range, else undefined (treated as 0 by callers). */
export function parseXmppPriority(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?[0-9]{1,3}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= MIN_XMPP_PRIORITY && n <= MAX_XMPP_PRIORITY ? n : undefined;
}

/** Parses a PIDF qvalue leniently (any decimal from 0 to 1), else undefined. */
export function parseQvalue(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(t)) return undefined;
  const q = Number(t);
  return q >= 0 && q <= 1 ? q : undefined;
}
