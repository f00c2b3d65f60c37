/**
 * The call bridge's SIP door (src/sip/sip-calls.ts) over a stand-in for drachtio-srf 5.0.29's
 * `createUAC` that calls its progress callbacks the way srf.js does, not the way its typings say:
 * `cbRequest(err)` when the request could not be sent, `cbRequest(null, req)` once it was
 * (node_modules/drachtio-srf/lib/srf.js, `launchRequest`), and `cbProvisional(res)` for each 1xx.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SipCallFailure, type OutgoingInvite } from "../../../src/call/call-ports.js";
import { moduleLogger, silenceLogging } from "../../../src/log/logger.js";
import { SipCalls } from "../../../src/sip/sip-calls.js";
import type { SipLink } from "../../../src/sip/sip-link.js";
import { PHONE_OFFER, settle, waitFor } from "../../support/fake-call-ports.js";

silenceLogging(true);

interface ProgressCallbacks {
  cbRequest(...args: unknown[]): void;
  cbProvisional(res: unknown): void;
}

/** A drachtio-srf whose INVITE goes out, rings (180) and is answered 487 once cancelled. */
function drachtioSrf(opts: { sendError?: Error } = {}) {
  const cancels: unknown[] = [];
  const srf = {
    createUAC(_uri: string, _opts: unknown, cbs: ProgressCallbacks): Promise<never> {
      return new Promise((_, reject) => {
        const req = {
          cancel(options: unknown, cb: (err: unknown) => void) {
            cancels.push(options);
            cb(null);
            setImmediate(() =>
              reject(Object.assign(new Error("487"), { status: 487, reason: "Request Terminated" })),
            );
          },
        };
        setImmediate(() => {
          if (opts.sendError) {
            cbs.cbRequest(opts.sendError); // srf.js: `cbRequest(err); return callback(err);`
            reject(opts.sendError);
            return;
          }
          cbs.cbRequest(null, req); // srf.js: `cbRequest(null, req);`
          cbs.cbProvisional({ status: 180, body: "" });
        });
      });
    },
  };
  return { link: { connected: true, srf } as unknown as SipLink, cancels };
}

const INVITE: OutgoingInvite = {
  uri: "sip:bob@sip.example.com",
  from: "sip:alice@xmpp.example.com",
  to: "sip:bob@sip.example.com",
  sdp: PHONE_OFFER,
};

function outcome(p: Promise<unknown>): Promise<number | string> {
  return p.then(
    () => "answered",
    (e: unknown) => (e instanceof SipCallFailure ? e.status : String(e)),
  );
}

describe("call bridge SIP door over drachtio-srf", () => {
  it("cancel() from onSent sends the CANCEL with its Reason header; the INVITE fails 487", async () => {
    const { link, cancels } = drachtioSrf();
    const calls = new SipCalls(link, moduleLogger("sip-door-test"));
    const rang: number[] = [];
    const result = outcome(
      calls.invite(INVITE, {
        onSent: (cancel) => setImmediate(() => cancel('SIP;cause=487;text="cancel"')),
        onProvisional: (status) => rang.push(status),
      }),
    );
    await waitFor(() => rang.length === 1, "180");
    await waitFor(() => cancels.length === 1, "the CANCEL");
    assert.deepEqual(cancels, [{ headers: { Reason: 'SIP;cause=487;text="cancel"' } }]);
    assert.equal(await result, 487);
  });

  it("an INVITE drachtio could not send: no onSent, SipCallFailure 503", async () => {
    const { link } = drachtioSrf({ sendError: new Error("no route") });
    const calls = new SipCalls(link, moduleLogger("sip-door-test"));
    let sent = 0;
    const result = outcome(calls.invite(INVITE, { onSent: () => sent++, onProvisional: () => undefined }));
    assert.equal(await result, 503);
    await settle();
    assert.equal(sent, 0);
  });
});
