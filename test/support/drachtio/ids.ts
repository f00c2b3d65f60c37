// Identifier and timestamp generators shaped like the ones drachtio-server (sofia-sip) produces.
import { randomBytes, randomInt, randomUUID } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random octets drawn from a pool refilled 4 KiB at a time (one crypto call per ~300 ids, not one each). */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomOctets(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomBytes(pool.length).copy(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

/** Random alphanumeric token; sofia uses 13 characters for tags and branch suffixes. */
export function token(length = 13): string {
  const bytes = randomOctets(length);
  let out = "";
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** Message, transaction and cancel ids on the admin socket are UUID v4 strings. */
export function uuid(): string {
  return randomUUID();
}

/** RFC 3261 branch: magic cookie + 13 characters (`z9hG4bKXDKjgmgDrvpme`). */
export function branch(): string {
  return `z9hG4bK${token()}`;
}

/** Call-ID in sofia's style: `86badf7c-60f2-1240-73a6-d66aea340826`. */
export function callId(): string {
  const h = randomOctets(16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** CSeq numbers for requests sent outside a dialog come from one counter per server, like sofia's. */
export class CSeqCounter {
  private next = randomInt(100_000_000, 1_000_000_000);
  take(): number {
    return this.next++;
  }
}

/** `HH:MM:SS.uuuuuu` (UTC), the time field of the admin protocol's meta data. */
export function timestamp(now = new Date()): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
  const micros = now.getUTCMilliseconds() * 1000 + randomInt(0, 1000);
  return `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}.${pad(micros, 6)}`;
}
