/**
 * A Jingle iq (XEP-0166) as pure data: which session, which action, and the parts the call bridge
 * acts on: the media description (through `jingle.ts`), the reason of a session-terminate, and the
 * session-info payloads of XEP-0167 section 7 (ringing, hold, unhold, active, mute) and XEP-0181
 * (DTMF).
 */
import xml, { type Element } from "@xmpp/xml";
import type { JingleCondition } from "./call-reasons.js";
import { JingleError } from "./jingle-error.js";
import type { JingleSessionDescription } from "./jingle-model.js";
import { parseJingleContents } from "./jingle.js";
import { parseReason } from "./jmi.js";
import { NS_JINGLE, NS_JINGLE_DTMF, NS_JINGLE_RTP_INFO } from "./namespaces.js";

export type JingleActionName =
  | "session-initiate"
  | "session-accept"
  | "session-terminate"
  | "session-info"
  | "transport-info"
  | "content-add"
  | "content-modify"
  | "content-remove"
  | "content-accept"
  | "content-reject"
  | "description-info"
  | "security-info"
  | "transport-accept"
  | "transport-reject"
  | "transport-replace";

const ACTIONS: readonly string[] = [
  "session-initiate",
  "session-accept",
  "session-terminate",
  "session-info",
  "transport-info",
  "content-add",
  "content-modify",
  "content-remove",
  "content-accept",
  "content-reject",
  "description-info",
  "security-info",
  "transport-accept",
  "transport-reject",
  "transport-replace",
];

/** XEP-0167 section 7 informational messages, and XEP-0181 DTMF. */
export type SessionInfo =
  | { kind: "ringing" | "hold" | "unhold" | "active" }
  | { kind: "mute" | "unmute"; name?: string }
  | { kind: "dtmf"; code: string; duration: number }
  | { kind: "ping" };

export interface JingleAction {
  sid: string;
  action: JingleActionName;
  initiator?: string;
  responder?: string;
  /** session-initiate, session-accept, transport-info, content-*: the contents. */
  session?: JingleSessionDescription;
  reason?: JingleCondition;
  info?: SessionInfo;
}

const DTMF_CODE = /^[0-9A-D#*]$/;

/** Parses the <jingle/> payload of an iq set; throws JingleError for what XEP-0166 calls bad-request. */
export function parseJingleAction(jingle: Element): JingleAction {
  const sid = jingle.attrs.sid as string | undefined;
  const action = jingle.attrs.action as string | undefined;
  // XEP-0166 section 7.1: 'action' and 'sid' are REQUIRED.
  if (!sid) throw new JingleError("<jingle/> without a sid");
  if (!action || !ACTIONS.includes(action)) throw new JingleError(`unknown Jingle action "${action ?? ""}"`);
  const out: JingleAction = { sid, action: action as JingleActionName };
  if (jingle.attrs.initiator) out.initiator = String(jingle.attrs.initiator);
  if (jingle.attrs.responder) out.responder = String(jingle.attrs.responder);
  if (jingle.getChild("content")) out.session = parseJingleContents(jingle);
  const reason = parseReason(jingle.getChild("reason"));
  if (reason) out.reason = reason;
  if (action === "session-info") {
    const info = parseSessionInfo(jingle);
    if (info) out.info = info;
  }
  return out;
}

function parseSessionInfo(jingle: Element): SessionInfo | undefined {
  // XEP-0166 section 6.8: an empty session-info is a ping.
  const child = jingle.getChildElements()[0];
  if (!child) return { kind: "ping" };
  if (child.attrs.xmlns === NS_JINGLE_RTP_INFO) {
    switch (child.name) {
      case "ringing":
      case "hold":
      case "unhold":
      case "active":
        return { kind: child.name };
      case "mute":
      case "unmute":
        return { kind: child.name, ...(child.attrs.name ? { name: String(child.attrs.name) } : {}) };
    }
  }
  if (child.attrs.xmlns === NS_JINGLE_DTMF && child.name === "dtmf") {
    const code = String(child.attrs.code ?? "").toUpperCase();
    if (!DTMF_CODE.test(code)) throw new JingleError(`bad DTMF code "${code}"`);
    // XEP-0181 section 3: duration in milliseconds, default 100.
    const duration = child.attrs.duration === undefined ? 100 : Number(child.attrs.duration);
    if (!Number.isInteger(duration) || duration < 40 || duration > 5000)
      throw new JingleError("bad DTMF duration");
    return { kind: "dtmf", code, duration };
  }
  return undefined;
}

/** A Jingle iq set from `from` to `to`. */
export function jingleIq(
  from: string,
  to: string,
  id: string,
  a: { sid: string; action: JingleActionName; initiator?: string; responder?: string },
  ...children: (Element | null)[]
): Element {
  return xml(
    "iq",
    { from, to, type: "set", id },
    xml(
      "jingle",
      { xmlns: NS_JINGLE, sid: a.sid, action: a.action, initiator: a.initiator, responder: a.responder },
      ...children,
    ),
  );
}

export function infoElement(kind: "ringing" | "hold" | "unhold" | "active"): Element {
  return xml(kind, { xmlns: NS_JINGLE_RTP_INFO });
}
