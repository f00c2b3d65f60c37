/**
 * Which network peers may send SIP requests to the gateway: the SIP proxies in front of it
 * (`sip.trustedSources`). The gateway speaks for XMPP users on the SIP side and for SIP users on the
 * XMPP side, so a request from anyone else could put words in someone's mouth; those get 403.
 * IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) match their IPv4 form.
 */
import { BlockList, isIP } from "node:net";
import { Memo } from "../util/memo.js";

export class TrustedSources {
  private readonly list = new BlockList();
  /** BlockList.check builds a SocketAddress per call (~3 % of the IM hot path): remember answers. */
  private readonly memo = new Memo<boolean>(1_000);
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const [addr = "", bits] = e.split("/");
      const type = isIP(addr) === 6 ? "ipv6" : "ipv4";
      if (bits === undefined) this.list.addAddress(addr, type);
      else this.list.addSubnet(addr, Number(bits), type);
    }
    this.empty = entries.length === 0;
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    return this.memo.get(address, () => this.check(address));
  }

  private check(address: string): boolean {
    const a = address.replace(/^\[|\]$/g, "");
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
    if (mapped?.[1]) return this.list.check(mapped[1], "ipv4");
    const family = isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 6 ? "ipv6" : "ipv4");
  }
}
