import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { MAX_DECODED_BYTES, decodeContentEncoding } from "../../../src/im/codec/content-encoding.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { sipToChatMessage } from "../../../src/im/sip-message.js";
import { fixture, sipHeaders } from "./im-fixtures.js";

// liblinphone compresses its IMDNs (Content-Encoding: deflate, linphone-android#854): the real body of
// linphone-desktop#619, compressed here with zlib as belle-sip does.
const imdn = fixture("liblinphone-imdn-delivered-linphone-desktop-issue-619.xml");

describe("decodeContentEncoding (RFC 3261 section 20.12)", () => {
  it("no header or identity: the body as it is", () => {
    assert.equal(decodeContentEncoding(imdn, undefined), imdn);
    assert.deepEqual(Buffer.from(decodeContentEncoding(imdn, "identity")), imdn);
  });

  it("deflate in zlib format, raw deflate and gzip", () => {
    assert.deepEqual(Buffer.from(decodeContentEncoding(deflateSync(imdn), "deflate")), imdn);
    assert.deepEqual(Buffer.from(decodeContentEncoding(deflateRawSync(imdn), "Deflate")), imdn);
    assert.deepEqual(Buffer.from(decodeContentEncoding(gzipSync(imdn), "gzip")), imdn);
  });

  it("several codings are undone in reverse order of application", () => {
    const twice = gzipSync(deflateSync(imdn)); // deflate applied first, then gzip
    assert.deepEqual(Buffer.from(decodeContentEncoding(twice, "deflate, gzip")), imdn);
  });

  it("an unknown coding is a 415 listing the codings for Accept-Encoding", () => {
    assert.throws(
      () => decodeContentEncoding(imdn, "br"),
      (e: unknown) =>
        e instanceof SipBodyError &&
        e.status === 415 &&
        e.accept === undefined &&
        e.acceptEncoding?.join(",") === "gzip,deflate,identity",
    );
  });

  it("data that does not inflate is a 400", () => {
    assert.throws(
      () => decodeContentEncoding(Buffer.from("not deflated"), "gzip"),
      (e: unknown) => e instanceof SipBodyError && e.status === 400 && e.reason === "bad-content-encoding",
    );
  });

  it("a body that inflates past the cap is a 400 (a small deflate bomb)", () => {
    const bomb = deflateSync(Buffer.alloc(MAX_DECODED_BYTES + 1, 0x61));
    assert.ok(bomb.length < 5000);
    assert.throws(
      () => decodeContentEncoding(bomb, "deflate"),
      (e: unknown) => e instanceof SipBodyError && e.status === 400 && e.reason === "body-too-large",
    );
  });
});

describe("Content-Encoding through sipToChatMessage", () => {
  it("a deflated liblinphone IMDN is read like the plain one", () => {
    const m = sipToChatMessage({
      contentType: "message/imdn+xml",
      body: deflateSync(imdn),
      headers: sipHeaders({ "Content-Encoding": "deflate" }),
    });
    assert.deepEqual(m, { id: "", type: "chat", deliveredOf: "56056507-217d-4ee6-9cb8-e9efc87d821a" });
  });

  it("an unknown coding keeps its Accept-Encoding list (not replaced by Accept)", () => {
    assert.throws(
      () =>
        sipToChatMessage({
          contentType: "text/plain",
          body: imdn,
          headers: sipHeaders({ "content-encoding": "compress" }),
        }),
      (e: unknown) => e instanceof SipBodyError && e.accept === undefined && e.acceptEncoding !== undefined,
    );
  });
});
