/**
 * The one error type of the address layer (`src/address/`).
 *
 * Everything in this folder is pure translation code: a SIP URI, a name-addr or a JID that cannot be
 * parsed, validated or mapped makes it throw an `AddressError`, never anything else (a programming error
 * aside). The `reason` is a short, stable, machine-readable token (kebab-case) so tests and adapters can
 * tell cases apart without parsing the message; the message is for humans and names the offending input.
 *
 * At the edges the adapters turn it into a protocol error in one place each, through
 * `toGatewayError()` in `src/errors/gateway-error.ts`:
 *
 * - towards XMPP: a stanza error `<jid-malformed/>` of type `modify` (RFC 6120 section 8.3.3.8: "The
 *   sending entity has provided an XMPP address or aspect thereof ... that does not adhere to the syntax
 *   defined in Addressing Scheme"), with the message as `<text/>`;
 * - towards SIP: `484 Address Incomplete` (RFC 3261 section 21.4.19), the SIP status that the
 *   XMPP -> SIP table of RFC 7247 section 7 maps `<jid-malformed/>` to.
 *
 * Reasons used in this folder: `malformed-uri`, `unsupported-scheme`, `password`, `malformed-host`,
 * `malformed-port`, `malformed-escape`, `malformed-name-addr`, `malformed-jid`, `jid-too-long`,
 * `invalid-localpart`, `invalid-domainpart`, `invalid-resourcepart`, `escaping`, `no-user`, `port`,
 * `gr-without-value`, `wrong-domain`, `non-canonical`.
 */
export class AddressError extends Error {
  /** A stable token naming the failed rule, e.g. `"no-user"` or `"invalid-localpart"`. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = "AddressError";
    this.reason = reason;
  }
}

/** True when `e` is an {@link AddressError} (also across realms/bundles, by name and shape). */
export function isAddressError(e: unknown): e is AddressError {
  return (
    e instanceof AddressError ||
    (e instanceof Error &&
      e.name === "AddressError" &&
      typeof (e as { reason?: unknown }).reason === "string")
  );
}
