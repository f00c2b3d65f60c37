import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import { formatNameAddr, parseNameAddr } from "../../../src/address/name-addr.js";

describe("parseNameAddr (RFC 3261 section 20.10 / 25.1)", () => {
  // input, display name, uri, header params, formatted
  const rows: [string, string | null, string, [string, string | null][], string][] = [
    [
      '"Bob" <sip:bob@example.com>;tag=x',
      "Bob",
      "sip:bob@example.com",
      [["tag", "x"]],
      "Bob <sip:bob@example.com>;tag=x",
    ],
    [
      "Bob Smith <sip:bob@example.com;gr=a>",
      "Bob Smith",
      "sip:bob@example.com;gr=a",
      [],
      "Bob Smith <sip:bob@example.com;gr=a>",
    ],
    ["sip:bob@example.com;tag=x", null, "sip:bob@example.com", [["tag", "x"]], "<sip:bob@example.com>;tag=x"],
    ["<sip:bob@example.com>", null, "sip:bob@example.com", [], "<sip:bob@example.com>"],
    [
      '"J\\"o \\\\ Smith" <sips:jo@example.com>',
      'J"o \\ Smith',
      "sips:jo@example.com",
      [],
      '"J\\"o \\\\ Smith" <sips:jo@example.com>',
    ],
    [
      '  "Jürgen 😀"   <sip:j%C3%BCrgen@example.com>  ; TAG = 4f2 ; expires=60 ;lr ',
      "Jürgen 😀",
      "sip:j%C3%BCrgen@example.com",
      [
        ["tag", "4f2"],
        ["expires", "60"],
        ["lr", null],
      ],
      '"Jürgen 😀" <sip:j%C3%BCrgen@example.com>;tag=4f2;expires=60;lr',
    ],
    [
      '<sip:alice@[2001:db8::1]:5060;transport=tcp>;+sip.instance="<urn:uuid:1>";received=[2001:db8::2]',
      null,
      "sip:alice@[2001:db8::1]:5060;transport=tcp",
      [
        ["+sip.instance", "<urn:uuid:1>"],
        ["received", "[2001:db8::2]"],
      ],
      '<sip:alice@[2001:db8::1]:5060;transport=tcp>;+sip.instance="<urn:uuid:1>";received=[2001:db8::2]',
    ],
    [
      '"" <sip:anonymous@anonymous.invalid>',
      "",
      "sip:anonymous@anonymous.invalid",
      [],
      "<sip:anonymous@anonymous.invalid>",
    ],
  ];
  for (const [input, displayName, uri, params, formatted] of rows) {
    it(input, () => {
      const parsed = parseNameAddr(input);
      assert.equal(parsed.displayName, displayName);
      assert.equal(parsed.uri.format(), uri);
      assert.deepEqual(
        parsed.params.map((p) => [p.name, p.value]),
        params,
      );
      assert.equal(formatNameAddr(parsed), formatted);
      assert.deepEqual(parseNameAddr(formatted).uri.format(), uri, "formatted text re-parses");
    });
  }

  const invalid: [string, string][] = [
    ["<tel:+15551234>", "unsupported-scheme"],
    ['"Bob <sip:b@example.com>', "malformed-name-addr"],
    ["Bob <sip:b@example.com", "malformed-name-addr"],
    ['"Bob" sip:b@example.com', "malformed-name-addr"],
    ["B@b <sip:b@example.com>", "malformed-name-addr"],
    ["<sip:b@example.com> tag=1", "malformed-name-addr"],
    ["<sip:b@example.com>;=1", "malformed-name-addr"],
    ["sip:b@example.com?Subject=x", "malformed-name-addr"],
    ["<sip:b:pw@example.com>", "password"],
  ];
  for (const [input, reason] of invalid) {
    it(`rejects ${input} (${reason})`, () => {
      assert.throws(
        () => parseNameAddr(input),
        (e: unknown) => e instanceof AddressError && e.reason === reason,
      );
    });
  }
});
