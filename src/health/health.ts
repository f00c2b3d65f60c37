/**
 * What each link reports about itself, in one place: the XMPP component link, the drachtio link and
 * rtpengine. The health endpoint, OPTIONS answers and the shutdown sequence read it.
 */
import { EventEmitter } from "node:events";

export type LinkName = "xmpp" | "sip" | "media";

export interface LinkState {
  up: boolean;
  /** When the link last changed state (ms since epoch). */
  since: number;
  /** A short human description: the server it is connected to, or why it is down. */
  detail: string;
}

export class Health extends EventEmitter<{ change: [LinkName, LinkState] }> {
  private readonly links = new Map<LinkName, LinkState>();

  constructor(names: readonly LinkName[] = ["xmpp", "sip", "media"]) {
    super();
    for (const n of names) this.links.set(n, { up: false, since: Date.now(), detail: "not connected yet" });
  }

  set(name: LinkName, up: boolean, detail: string): void {
    const prev = this.links.get(name);
    if (prev && prev.up === up && prev.detail === detail) return;
    const state = { up, since: prev && prev.up === up ? prev.since : Date.now(), detail };
    this.links.set(name, state);
    this.emit("change", name, state);
  }

  isUp(name: LinkName): boolean {
    return this.links.get(name)?.up ?? false;
  }

  get allUp(): boolean {
    return [...this.links.values()].every((l) => l.up);
  }

  snapshot(): Record<LinkName, LinkState> {
    return Object.fromEntries(this.links) as Record<LinkName, LinkState>;
  }

  /** Resolves when the link is up (at once if it already is). */
  waitUp(name: LinkName): Promise<void> {
    if (this.isUp(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const onChange = (n: LinkName, s: LinkState) => {
        if (n === name && s.up) {
          this.off("change", onChange);
          resolve();
        }
      };
      this.on("change", onChange);
    });
  }
}
