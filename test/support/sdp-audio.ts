/**
 * The first audio stream of an SDP, as much as a test peer needs (address, port, payload types,
 * direction, ICE credentials and candidates).
 */

// ---------------------------------------------------------------------------------------------------
// SDP (only what an audio test needs)

export interface IceCandidate {
  foundation: string;
  component: number;
  protocol: string;
  priority: number;
  ip: string;
  port: number;
  type: string;
}

export interface SdpAudio {
  /** c= address (media level first, then session level). */
  address: string;
  /** m=audio port. */
  port: number;
  protocol: string;
  payloadTypes: number[];
  /** a=rtpmap, payload type -> "PCMU/8000". */
  rtpmap: Map<number, string>;
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  ufrag?: string;
  pwd?: string;
  iceLite: boolean;
  candidates: IceCandidate[];
}

/** The first m=audio section of an SDP. Throws if there is none. */
export function parseSdpAudio(sdp: string): SdpAudio {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const mIndex = lines.findIndex((l) => l.startsWith("m=audio "));
  if (mIndex < 0) throw new Error(`no m=audio in SDP:\n${sdp}`);
  const session = lines.slice(
    0,
    lines.findIndex((l) => l.startsWith("m=")),
  );
  const nextM = lines.findIndex((l, i) => i > mIndex && l.startsWith("m="));
  const media = lines.slice(mIndex, nextM < 0 ? undefined : nextM);
  const [, port = "0", protocol = "", ...pts] = (media[0] ?? "").slice(2).split(" ");
  const attr = (name: string): string | undefined => {
    const prefix = `a=${name}:`;
    const line = media.find((l) => l.startsWith(prefix)) ?? session.find((l) => l.startsWith(prefix));
    return line?.slice(prefix.length).trim();
  };
  const conn = media.find((l) => l.startsWith("c=")) ?? session.find((l) => l.startsWith("c="));
  const rtpmap = new Map<number, string>();
  const candidates: IceCandidate[] = [];
  for (const line of media) {
    const map = /^a=rtpmap:(\d+) (.+)$/.exec(line);
    if (map) rtpmap.set(Number(map[1]), (map[2] ?? "").trim());
    const cand = /^a=candidate:(\S+) (\d+) (\S+) (\d+) (\S+) (\d+) typ (\S+)/.exec(line);
    if (cand) {
      candidates.push({
        foundation: cand[1] ?? "",
        component: Number(cand[2]),
        protocol: (cand[3] ?? "").toLowerCase(),
        priority: Number(cand[4]),
        ip: cand[5] ?? "",
        port: Number(cand[6]),
        type: cand[7] ?? "",
      });
    }
  }
  const directions = ["sendrecv", "sendonly", "recvonly", "inactive"] as const;
  const direction =
    directions.find((d) => media.includes(`a=${d}`)) ??
    directions.find((d) => session.includes(`a=${d}`)) ??
    "sendrecv";
  return {
    address: conn?.split(" ")[2]?.trim() ?? "",
    port: Number(port),
    protocol,
    payloadTypes: pts.map(Number),
    rtpmap,
    direction,
    ufrag: attr("ice-ufrag"),
    pwd: attr("ice-pwd"),
    iceLite: lines.includes("a=ice-lite"),
    candidates,
  };
}
