/**
 * Pure helpers for SIP-specific event notification (RFC 6665) as presence uses it (RFC 3856): the
 * Event, Subscription-State, Expires and Accept headers, and the dialog state of a subscription.
 * No I/O; unit-tested in test/unit/presence/sip-events.test.ts.
 */
import { parseNameAddr } from "../address/name-addr.js";
import type { DialogState } from "./store/presence-store.js";

export const PRESENCE_EVENT = "presence";

/** RFC 6665 section 8.2.1: `Event: package[.template];id=x`; the package compares case-insensitively. */
export function parseEvent(value: string | undefined): { package: string; id?: string } | undefined {
  if (value === undefined) return undefined;
  const [head = "", ...params] = value.split(";");
  const pkg = head.trim().toLowerCase();
  if (pkg === "") return undefined;
  const id = params
    .map((p) => p.trim().split("="))
    .find(([k]) => k?.toLowerCase() === "id")?.[1]
    ?.trim();
  return id === undefined ? { package: pkg } : { package: pkg, id };
}

export type SubstateValue = "active" | "pending" | "terminated";

export interface SubscriptionState {
  /** RFC 6665 section 4.1.3: an unknown substate is treated as "active"... by the caller, not here. */
  state: string;
  expires?: number;
  reason?: string;
  retryAfter?: number;
}

/** `Subscription-State: active;expires=3600`, `terminated;reason=rejected;retry-after=30`. */
export function parseSubscriptionState(value: string | undefined): SubscriptionState | undefined {
  if (value === undefined) return undefined;
  const [head = "", ...params] = value.split(";");
  const state = head.trim().toLowerCase();
  if (state === "") return undefined;
  const out: SubscriptionState = { state };
  for (const p of params) {
    const [k = "", v = ""] = p.split("=").map((s) => s.trim());
    const key = k.toLowerCase();
    if (key === "reason") out.reason = v.toLowerCase();
    else if (key === "expires" && /^\d+$/.test(v)) out.expires = Number(v);
    else if (key === "retry-after" && /^\d+$/.test(v)) out.retryAfter = Number(v);
  }
  return out;
}

export function formatSubscriptionState(
  state: SubstateValue,
  opts: { expires?: number; reason?: string },
): string {
  if (state === "terminated") return opts.reason ? `terminated;reason=${opts.reason}` : "terminated";
  return `${state};expires=${Math.max(0, Math.round(opts.expires ?? 0))}`;
}

/** RFC 3261 section 20.19: delta-seconds; anything else (or nothing) is undefined. */
export function parseExpires(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  return /^\d{1,10}$/.test(v) ? Number(v) : undefined;
}

/**
 * Whether an Accept header lets the notifier send PIDF. RFC 3856 section 6.6: a presence SUBSCRIBE
 * without Accept means application/pidf+xml. `* / *` and `application/*` match too.
 */
export function acceptsPidf(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept
    .split(",")
    .map((t) => (t.split(";")[0] ?? "").trim().toLowerCase())
    .some((t) => t === "application/pidf+xml" || t === "*/*" || t === "application/*");
}

/** The tag parameter of a From/To value, or undefined. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseNameAddr(value).params.find((p) => p.name === "tag")?.value ?? undefined;
  } catch {
    return undefined;
  }
}

/** The URI of a From/To/Contact value (no display name, no header parameters). */
export function uriOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseNameAddr(value).uri.format();
  } catch {
    return undefined;
  }
}

/** Record-Route values as one list of `<uri;lr>` entries (a header may carry several, comma-separated). */
export function splitRoutes(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const m of v.matchAll(/<[^>]*>[^,]*/g)) out.push(m[0].trim());
  }
  return out;
}

/**
 * The dialog a notifier (UAS) gets from an initial SUBSCRIBE and its 2xx (RFC 3261 section 12.1.1):
 * the route set is the Record-Route in order, the remote target the request's Contact, the local tag
 * the To tag of the 2xx.
 */
export function uasDialog(
  req: { callId: string; from: string; to: string; contact: string; recordRoute: readonly string[] },
  localTag: string,
): DialogState | undefined {
  const remoteTag = tagOf(req.from);
  const remoteUri = uriOf(req.from);
  const localUri = uriOf(req.to);
  const remoteTarget = uriOf(req.contact);
  if (!remoteTag || !remoteUri || !localUri || !remoteTarget) return undefined;
  return {
    callId: req.callId,
    localTag,
    remoteTag,
    localUri,
    remoteUri,
    remoteTarget,
    routeSet: splitRoutes(req.recordRoute),
  };
}

/**
 * The dialog a subscriber (UAC) gets from a 2xx to its SUBSCRIBE or from the first NOTIFY (RFC 6665
 * section 4.1.2.4: a NOTIFY can create the dialog before the 2xx arrives). For a 2xx the route set is
 * the Record-Route reversed (RFC 3261 section 12.1.2); for a NOTIFY (a request) it is in order.
 */
export function uacDialog(
  sent: { callId: string; localUri: string; localTag: string; remoteUri: string },
  msg: { remoteTag: string; contact: string; recordRoute: readonly string[]; isResponse: boolean },
): DialogState | undefined {
  const remoteTarget = uriOf(msg.contact);
  if (!remoteTarget || !msg.remoteTag) return undefined;
  const routes = splitRoutes(msg.recordRoute);
  return {
    callId: sent.callId,
    localTag: sent.localTag,
    remoteTag: msg.remoteTag,
    localUri: sent.localUri,
    remoteUri: sent.remoteUri,
    remoteTarget,
    routeSet: msg.isResponse ? routes.reverse() : routes,
  };
}

/**
 * Headers and target of a request in a dialog, sent through drachtio as a request outside its own
 * dialogs (so that it works after a restart, when drachtio no longer knows the dialog for us):
 * Call-ID, From and To with their tags. The first route, when there is one, is where the request is
 * sent (drachtio-server does not let an application set Route headers; a loose router that
 * record-routed forwards by the Request-URI). The CSeq is drachtio's own (RFC 3261 section 12.2.1.1
 * only needs it to grow, which sofia's time-based counter does).
 */
export function inDialogRequest(
  d: DialogState,
  method: string,
): { uri: string; proxy?: string; headers: Record<string, string> } {
  const first = d.routeSet[0];
  const proxy = first === undefined ? undefined : uriOf(first);
  return {
    uri: d.remoteTarget,
    ...(proxy ? { proxy } : {}),
    headers: {
      "Call-ID": d.callId,
      From: `<${d.localUri}>;tag=${d.localTag}`,
      To: `<${d.remoteUri}>;tag=${d.remoteTag}`,
      ...(method === "SUBSCRIBE" || method === "NOTIFY" ? { Event: PRESENCE_EVENT } : {}),
    },
  };
}

export const dialogKey = (callId: string, remoteTag: string): string => `${callId};${remoteTag}`;
