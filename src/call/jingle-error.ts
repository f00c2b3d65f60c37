/**
 * The error thrown for Jingle contents the gateway will not translate: a <content/> without a name, a
 * <payload-type/> whose id is not an integer from 0 to 127, a candidate with a bad port, address,
 * component or type, a value that could not be carried in SDP without changing its meaning (a line
 * break, a `;` inside an fmtp parameter), and so on.
 *
 * XEP-0166 has the responder answer a malformed session-initiate with an IQ error; the call
 * bridge turns this error into `bad-request` (RFC 6120 section 8.3.3.1: "The sender has sent a stanza
 * containing XML that does not conform to the appropriate schema or that cannot be processed").
 * `message` names the element and the attribute at fault.
 */
export class JingleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JingleError";
  }
}

export function isJingleError(e: unknown): e is JingleError {
  return e instanceof JingleError;
}
