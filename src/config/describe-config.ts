/**
 * Renders the schema as the reference page (docs/configuration.md) and as the commented sample
 * (config/gateway.example.yaml). `npm run config:docs` writes both; a unit test checks that the
 * files in the repository are what the schema renders, so neither can drift from the code.
 */
import { schema } from "./schema.js";

export interface KeyInfo {
  path: string;
  doc: string;
  format: string;
  default: unknown;
  env: string;
  required: boolean;
  sensitive: boolean;
}

interface Leaf {
  doc: string;
  format: unknown;
  default: unknown;
  env: string;
  sensitive?: boolean;
}

function isLeaf(v: unknown): v is Leaf {
  return typeof v === "object" && v !== null && "doc" in v && "default" in v;
}

function formatName(f: unknown): string {
  if (Array.isArray(f)) return f.map(String).join(" | ");
  if (typeof f === "string") return f;
  if (f === Boolean) return "boolean";
  if (typeof f === "function") return "milliseconds";
  return String(f);
}

export function schemaKeys(node: object = schema, prefix = ""): KeyInfo[] {
  const out: KeyInfo[] = [];
  for (const [name, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (isLeaf(value)) {
      out.push({
        path,
        doc: value.doc,
        format: formatName(value.format),
        default: value.default,
        env: value.env,
        required: value.default === null,
        sensitive: value.sensitive === true,
      });
    } else if (typeof value === "object" && value !== null) {
      out.push(...schemaKeys(value as object, path));
    }
  }
  return out;
}

/** Example values for the required keys in the sample (the demo of docs/deployment.md). */
export const SAMPLE_VALUES: Record<string, unknown> = {
  "xmpp.host": "xmpp.example.com",
  "xmpp.domain": "sip.example.com",
  "xmpp.secret": "change-me",
  "sip.domains": ["sip.example.com"],
  "sip.drachtio.host": "127.0.0.1",
  "sip.drachtio.secret": "cymru",
  "media.rtpengine.host": "127.0.0.1",
};

function yamlValue(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? "[]" : `[${v.map((x) => yamlValue(x)).join(", ")}]`;
  if (typeof v === "string") return v === "" ? '""' : /^[\w.:-]+$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

export function renderSample(): string {
  const out = [
    "# sip-xmpp-gateway configuration (YAML). Generated from src/config/schema.ts by `npm run config:docs`;",
    "# docs/configuration.md describes every key. Keys that are not commented out are required.",
    "# Each key can also be set by its environment variable, which wins over this file.",
  ];
  let section = "";
  const keys = schemaKeys();
  for (const k of keys) {
    const parts = k.path.split(".");
    // Open the mapping(s) on the way to this key.
    const parents = parts.slice(0, -1);
    const parentPath = parents.join(".");
    if (parentPath !== section) {
      const prev = section ? section.split(".") : [];
      let common = 0;
      while (common < prev.length && prev[common] === parents[common]) common++;
      if (common === 0) out.push("");
      for (let i = common; i < parents.length; i++) {
        // A mapping with no required key inside is commented out too: an empty mapping is null in YAML.
        const path = parents.slice(0, i + 1).join(".");
        const active = keys.some((x) => x.required && x.path.startsWith(`${path}.`));
        out.push(`${"  ".repeat(i)}${active ? "" : "# "}${parents[i]}:`);
      }
      section = parentPath;
    }
    const indent = "  ".repeat(parents.length);
    const leaf = parts[parts.length - 1];
    out.push(...wrap(`${k.doc} [${k.env}]`, 100 - indent.length - 2, `${indent}# `));
    if (k.required) out.push(`${indent}${leaf}: ${yamlValue(SAMPLE_VALUES[k.path])}`);
    else out.push(`${indent}# ${leaf}: ${yamlValue(k.default)}`);
  }
  return out.join("\n") + "\n";
}

export function renderReference(): string {
  const out = [
    "# Configuration reference",
    "",
    "Generated from `src/config/schema.ts` by `npm run config:docs`; a unit test fails when this page",
    "and the schema differ. The gateway reads a YAML (or JSON) file given with `--config FILE` or",
    "`GATEWAY_CONFIG=FILE`, then the environment variables below, which win over the file. An unknown",
    "key, a missing required key or a wrong value stops startup with one line per problem that names",
    "the key, for example `config: xmpp.domain: must be a domain name such as sip.example.com (it is",
    "missing)`, and exit code 2. `--check-config` validates and exits.",
    "",
    "A commented sample is in `config/gateway.example.yaml`.",
    "",
    "| key | environment variable | format | default | description |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const k of schemaKeys()) {
    const def = k.required ? "**required**" : `\`${JSON.stringify(k.default)}\``;
    const doc = k.doc.replace(/\|/g, "\\|") + (k.sensitive ? " (secret: never logged)" : "");
    out.push(`| \`${k.path}\` | \`${k.env}\` | ${k.format.replace(/\|/g, "\\|")} | ${def} | ${doc} |`);
  }
  return out.join("\n") + "\n";
}
