/**
 * Loads and validates the configuration: defaults, then the file (`--config FILE` or
 * GATEWAY_CONFIG), then environment variables (convict applies env over what `load` brings). Any problem becomes a `ConfigError`
 * whose lines each name the key and the problem, for example
 * `config: xmpp.domain: must be a domain name such as sip.example.com (it is missing)`.
 */
import { readFileSync } from "node:fs";
import convict from "convict";
import { parse as parseYaml } from "yaml";
import { formats, schema } from "./schema.js";

export interface GatewayConfig {
  xmpp: {
    host: string;
    port: number;
    domain: string;
    secret: string;
    userDomains: string[];
    reconnectDelay: number;
    reconnectMaxDelay: number;
  };
  sip: {
    domains: string[];
    drachtio: { host: string; port: number; secret: string; reconnectMaxDelay: number };
    trustedSources: string[];
    outboundProxy: string;
  };
  im: {
    cpim: boolean;
    maxMessageSize: number;
    largeMessage: "tcp" | "split";
    rateLimit: number;
    rateBurst: number;
    trackFor: number;
  };
  media: { rtpengine: { host: string; port: number; timeout: number; pingInterval: number } };
  calls: { ringTimeout: number; iqTimeout: number };
  presence: { database: string; expires: number; minExpires: number; maxExpires: number };
  health: { port: number; host: string };
  log: { level: "error" | "warn" | "info" | "debug"; format: "auto" | "json" | "text" };
  shutdownTimeout: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.map((p) => `config: ${p}`).join("\n"));
    this.name = "ConfigError";
  }
}

let formatsAdded = false;
function addFormats(): void {
  if (formatsAdded) return;
  convict.addFormats(formats);
  formatsAdded = true;
}

export interface LoadOptions {
  /** Path of a YAML or JSON file. */
  file?: string | undefined;
  /** Environment to read GATEWAY_* variables from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** An object merged over the file (used by tests and by embedders). */
  values?: Record<string, unknown>;
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError([`cannot read ${file}: ${(e as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { prettyErrors: false });
  } catch (e) {
    const first = (e as Error).message.split("\n")[0] ?? "";
    throw new ConfigError([`${file} is not valid YAML or JSON: ${first}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError([`${file} must hold a mapping of keys (xmpp:, sip:, media:, ...)`]);
  }
  return parsed as Record<string, unknown>;
}

/**
 * convict reports several problems in one message, one per line, in the shapes
 * `xmpp.domain: must be ...: value was null` and `configuration param 'x.y' not declared in the schema`.
 */
function problemsOf(message: string): string[] {
  return message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const undeclared = /configuration param '([^']+)' not declared in the schema/.exec(line);
      if (undeclared) return `${undeclared[1]}: unknown key (see docs/configuration.md for the keys)`;
      // convict appends ": value was <x>" which our messages already describe.
      return line.replace(/: value was .*$/, "");
    });
}

export function loadConfig(opts: LoadOptions = {}): GatewayConfig {
  addFormats();
  const env = opts.env ?? process.env;
  const file = opts.file ?? env["GATEWAY_CONFIG"];
  const config = convict(schema, { env, args: [] });
  try {
    if (file) config.load(readFile(file));
    if (opts.values) config.load(opts.values);
    config.validate({ allowed: "strict" });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(problemsOf((e as Error).message));
  }
  return config.getProperties() as unknown as GatewayConfig;
}

interface EnvKey {
  path: string;
  env: string;
}

/** Every (key path, env var) pair in the schema, in declaration order. */
export function envKeys(node: object, prefix = ""): EnvKey[] {
  const out: EnvKey[] = [];
  for (const [name, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (value && typeof value === "object" && "doc" in value && "default" in value) {
      out.push({ path, env: (value as { env: string }).env });
    } else if (value && typeof value === "object") {
      out.push(...envKeys(value as object, path));
    }
  }
  return out;
}
