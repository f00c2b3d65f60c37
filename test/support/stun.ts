/**
 * STUN (RFC 5389 / RFC 8489) as ICE uses it (RFC 8445 section 7), for the test RtpPeer: encode,
 * decode, MESSAGE-INTEGRITY and FINGERPRINT. Checked against the RFC 5769 sample in rtp-peer.test.ts.
 */
import { createHmac } from "node:crypto";

// ---------------------------------------------------------------------------------------------------
// STUN (RFC 5389 / RFC 8489) as ICE uses it (RFC 8445 §7)

export const STUN_MAGIC_COOKIE = 0x2112a442;
export const StunType = { BindingRequest: 0x0001, BindingSuccess: 0x0101, BindingError: 0x0111 } as const;
export const StunAttr = {
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;
const FINGERPRINT_XOR = 0x5354554e;

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: StunAttribute[];
  /** Byte offset of MESSAGE-INTEGRITY in the raw message, if present. */
  integrityOffset?: number;
  /** Byte offset of FINGERPRINT in the raw message, if present. */
  fingerprintOffset?: number;
  raw: Buffer;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309, as zlib), which STUN's FINGERPRINT uses. */
export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether a datagram is STUN: first two bits zero, magic cookie, length a multiple of 4. */
export function isStun(buf: Buffer): boolean {
  return (
    buf.length >= 20 &&
    (buf[0] ?? 0xff) < 4 &&
    buf.readUInt32BE(4) === STUN_MAGIC_COOKIE &&
    buf.readUInt16BE(2) + 20 === buf.length
  );
}

function attributeBytes(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/**
 * Encodes a STUN message; with `integrityKey` it appends MESSAGE-INTEGRITY (HMAC-SHA1, short-term
 * credential: the key is the password itself), then FINGERPRINT unless `fingerprint` is false.
 */
export function encodeStun(m: {
  type: number;
  transactionId: Buffer;
  attributes: StunAttribute[];
  integrityKey?: string;
  fingerprint?: boolean;
}): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(m.type, 0);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  m.transactionId.copy(header, 8, 0, 12);
  let body = Buffer.concat(m.attributes.map((a) => attributeBytes(a.type, a.value)));
  if (m.integrityKey != null) {
    // The length field counts up to the end of MESSAGE-INTEGRITY while the HMAC is computed (RFC 8489 §14.5).
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac("sha1", m.integrityKey).update(header).update(body).digest();
    body = Buffer.concat([body, attributeBytes(StunAttr.MessageIntegrity, mac)]);
  }
  if (m.fingerprint ?? true) {
    header.writeUInt16BE(body.length + 8, 2);
    const crc = (crc32(Buffer.concat([header, body])) ^ FINGERPRINT_XOR) >>> 0;
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc, 0);
    body = Buffer.concat([body, attributeBytes(StunAttr.Fingerprint, value)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** Decodes a STUN message (throws on a malformed one). */
export function decodeStun(raw: Buffer): StunMessage {
  if (!isStun(raw)) throw new Error("not a STUN message");
  const msg: StunMessage = {
    type: raw.readUInt16BE(0),
    transactionId: Buffer.from(raw.subarray(8, 20)),
    attributes: [],
    raw,
  };
  let off = 20;
  while (off + 4 <= raw.length) {
    const type = raw.readUInt16BE(off);
    const len = raw.readUInt16BE(off + 2);
    if (off + 4 + len > raw.length) throw new Error("truncated STUN attribute");
    if (type === StunAttr.MessageIntegrity) msg.integrityOffset = off;
    if (type === StunAttr.Fingerprint) msg.fingerprintOffset = off;
    msg.attributes.push({ type, value: Buffer.from(raw.subarray(off + 4, off + 4 + len)) });
    off += 4 + Math.ceil(len / 4) * 4;
  }
  return msg;
}

export function stunAttribute(m: StunMessage, type: number): Buffer | undefined {
  return m.attributes.find((a) => a.type === type)?.value;
}

/** Checks MESSAGE-INTEGRITY against `key` (false when absent or wrong). */
export function checkStunIntegrity(m: StunMessage, key: string): boolean {
  const off = m.integrityOffset;
  const mac = stunAttribute(m, StunAttr.MessageIntegrity);
  if (off == null || mac == null) return false;
  const covered = Buffer.from(m.raw.subarray(0, off));
  covered.writeUInt16BE(off + 24 - 20, 2);
  return createHmac("sha1", key).update(covered).digest().equals(mac);
}

/** Checks FINGERPRINT (false when absent or wrong). */
export function checkStunFingerprint(m: StunMessage): boolean {
  const off = m.fingerprintOffset;
  const value = stunAttribute(m, StunAttr.Fingerprint);
  if (off == null || value == null || value.length !== 4) return false;
  const covered = Buffer.from(m.raw.subarray(0, off));
  covered.writeUInt16BE(off + 8 - 20, 2);
  return (crc32(covered) ^ FINGERPRINT_XOR) >>> 0 === value.readUInt32BE(0);
}

/** XOR-MAPPED-ADDRESS for an IPv4 address (RFC 8489 §14.2). */
export function xorMappedAddress(address: string, port: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeUInt8(0x01, 1);
  v.writeUInt16BE(port ^ (STUN_MAGIC_COOKIE >>> 16), 2);
  const ip = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  v.writeUInt32BE((ip ^ STUN_MAGIC_COOKIE) >>> 0, 4);
  return v;
}

export function parseXorMappedAddress(v: Buffer): { address: string; port: number } {
  const port = v.readUInt16BE(2) ^ (STUN_MAGIC_COOKIE >>> 16);
  const ip = (v.readUInt32BE(4) ^ STUN_MAGIC_COOKIE) >>> 0;
  return { address: [24, 16, 8, 0].map((s) => (ip >>> s) & 0xff).join("."), port };
}
