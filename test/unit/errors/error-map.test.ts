import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  SIP_REASON_PHRASES,
  SIP_TO_XMPP,
  XMPP_ERROR_TYPES,
  XMPP_TO_SIP,
  isXmppErrorCondition,
  sipReasonPhrase,
  sipStatusToXmpp,
  xmppConditionToSip,
  type XmppErrorCondition,
} from "../../../src/errors/error-map.js";

// Every row of /work/shared/notes/specs.md (RFC 7247 section 7 as recalled by two readers).
// XMPP -> SIP: [condition, default status, alternative status or null]
const XMPP_ROWS: [XmppErrorCondition, number, number | null][] = [
  ["bad-request", 400, null],
  ["conflict", 400, null],
  ["feature-not-implemented", 501, 405],
  ["forbidden", 403, null],
  ["gone", 410, 301],
  ["internal-server-error", 500, null],
  ["item-not-found", 404, null],
  ["jid-malformed", 484, null],
  ["not-acceptable", 406, null],
  ["not-allowed", 405, null],
  ["not-authorized", 401, null],
  ["policy-violation", 403, null],
  ["recipient-unavailable", 480, null],
  ["redirect", 302, null],
  ["registration-required", 400, null],
  ["remote-server-not-found", 404, 408],
  ["remote-server-timeout", 408, null],
  ["resource-constraint", 500, null],
  ["service-unavailable", 503, null],
  ["subscription-required", 400, null],
  ["undefined-condition", 400, null],
  ["unexpected-request", 400, 491],
];

// SIP -> XMPP: [status, condition]
const SIP_ROWS: [number, XmppErrorCondition][] = [
  [300, "redirect"],
  [302, "redirect"],
  [305, "redirect"],
  [301, "gone"],
  [410, "gone"],
  [380, "not-acceptable"],
  [400, "bad-request"],
  [401, "not-authorized"],
  [407, "not-authorized"],
  [402, "bad-request"],
  [403, "forbidden"],
  [404, "item-not-found"],
  [405, "feature-not-implemented"],
  [406, "not-acceptable"],
  [408, "remote-server-timeout"],
  [413, "policy-violation"],
  [414, "policy-violation"],
  [415, "bad-request"],
  [416, "bad-request"],
  [420, "bad-request"],
  [421, "bad-request"],
  [423, "bad-request"],
  [480, "recipient-unavailable"],
  [481, "item-not-found"],
  [482, "not-acceptable"],
  [483, "not-acceptable"],
  [484, "item-not-found"],
  [485, "item-not-found"],
  [486, "recipient-unavailable"],
  [487, "service-unavailable"],
  [488, "not-acceptable"],
  [489, "policy-violation"],
  [491, "unexpected-request"],
  [493, "bad-request"],
  [500, "internal-server-error"],
  [501, "feature-not-implemented"],
  [502, "remote-server-not-found"],
  [503, "service-unavailable"],
  [504, "remote-server-timeout"],
  [505, "not-acceptable"],
  [513, "policy-violation"],
  [600, "service-unavailable"],
  [603, "service-unavailable"],
  [604, "item-not-found"],
  [606, "not-acceptable"],
];

// RFC 6120 section 8.3.3: the type each condition SHOULD carry.
const TYPES: Record<XmppErrorCondition, string> = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  gone: "cancel",
  "internal-server-error": "cancel",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "policy-violation": "modify",
  "recipient-unavailable": "wait",
  redirect: "modify",
  "registration-required": "auth",
  "remote-server-not-found": "cancel",
  "remote-server-timeout": "wait",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "subscription-required": "auth",
  "undefined-condition": "cancel",
  "unexpected-request": "wait",
};

describe("XMPP condition -> SIP status (RFC 7247 section 7.1)", () => {
  it("covers exactly the 22 conditions of RFC 6120 section 8.3.3", () => {
    assert.equal(XMPP_ROWS.length, 22);
    assert.deepEqual(Object.keys(XMPP_TO_SIP).sort(), XMPP_ROWS.map(([c]) => c).sort());
    assert.deepEqual(Object.keys(XMPP_ERROR_TYPES).sort(), XMPP_ROWS.map(([c]) => c).sort());
  });
  for (const [condition, status, alternative] of XMPP_ROWS) {
    it(`${condition} -> ${status}${alternative === null ? "" : ` (or ${alternative})`}`, () => {
      assert.deepEqual(xmppConditionToSip(condition), { status, reason: SIP_REASON_PHRASES[status] });
      assert.equal(XMPP_TO_SIP[condition].alternative?.status ?? null, alternative);
      assert.ok(isXmppErrorCondition(condition));
    });
  }
  it("maps an unknown condition as undefined-condition", () => {
    for (const c of ["payment-required", "", "toString", "BAD-REQUEST"]) {
      assert.deepEqual(xmppConditionToSip(c), { status: 400, reason: "Bad Request" });
      assert.ok(!isXmppErrorCondition(c));
    }
  });
});

describe("SIP status -> XMPP condition (RFC 7247 section 7.2)", () => {
  it("has a row for every listed status and nothing else", () => {
    assert.deepEqual(Object.keys(SIP_TO_XMPP).map(Number).sort(), SIP_ROWS.map(([s]) => s).sort());
  });
  for (const [status, condition] of SIP_ROWS) {
    it(`${status} ${SIP_REASON_PHRASES[status] ?? "?"} -> ${condition} (${TYPES[condition]})`, () => {
      assert.deepEqual(sipStatusToXmpp(status), { condition, type: TYPES[condition] });
      assert.equal(typeof SIP_REASON_PHRASES[status], "string");
    });
  }
  const byClass: [number, XmppErrorCondition][] = [
    [399, "redirect"],
    [303, "redirect"],
    [409, "bad-request"],
    [422, "bad-request"],
    [499, "bad-request"],
    [580, "internal-server-error"],
    [599, "internal-server-error"],
    [607, "service-unavailable"],
    [699, "service-unavailable"],
  ];
  for (const [status, condition] of byClass) {
    it(`${status} (unlisted) -> ${condition} by class`, () => {
      assert.deepEqual(sipStatusToXmpp(status), { condition, type: TYPES[condition] });
    });
  }
  it("refuses non-error codes", () => {
    for (const status of [100, 180, 200, 299, 700, 486.5, NaN])
      assert.throws(() => sipStatusToXmpp(status), RangeError);
  });
  it("has generic reason phrases for unlisted codes", () => {
    assert.equal(sipReasonPhrase(486), "Busy Here");
    assert.equal(sipReasonPhrase(499), "Request Failure");
    assert.equal(sipReasonPhrase(580), "Server Failure");
  });
});
