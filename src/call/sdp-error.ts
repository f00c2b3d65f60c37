/**
 * The error thrown for an SDP body the gateway will not read or write: a line that is not `<type>=<value>`,
 * a missing or misplaced `v=`/`o=`/`s=`, a malformed `m=` or `c=` line, an attribute whose value breaks
 * the shape the gateway relies on, or (when writing) a value that would inject a line break.
 *
 * `line` is the offending line (cut to 120 characters) when there is one, so a log names it. A SIP
 * handler answers it with `488 Not Acceptable Here` (or 400 for a malformed body); the call bridge
 * decides which.
 */
export class SdpError extends Error {
  readonly line: string | undefined;

  constructor(message: string, line?: string) {
    const shown = line === undefined ? undefined : printable(line);
    super(shown === undefined ? message : `${message}: "${shown}"`);
    this.name = "SdpError";
    this.line = shown;
  }
}

/** The line as a log can show it: control characters escaped, at most 120 characters. */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const control = new RegExp("[\\x00-\\x1f\\x7f]", "g");
  const escaped = line.replace(control, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return escaped.length > 120 ? `${escaped.slice(0, 117)}...` : escaped;
}

export function isSdpError(e: unknown): e is SdpError {
  return e instanceof SdpError;
}
