#!/usr/bin/env node
/**
 * Command line entry: `sip-xmpp-gateway [--config FILE] [--check-config]`.
 * Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 for a configuration error, 1 otherwise.
 */
import { ConfigError, loadConfig } from "./config/load-config.js";
import { Gateway } from "./gateway.js";
import { configureLogging, moduleLogger } from "./log/logger.js";
import { PRODUCT_NAME, PRODUCT_VERSION } from "./version.js";

const USAGE = `usage: ${PRODUCT_NAME} [--config FILE] [--check-config]

  --config FILE    YAML or JSON configuration (or GATEWAY_CONFIG=FILE); GATEWAY_* variables override it
  --check-config   validate the configuration and exit
  --version        print the version

See docs/configuration.md for every key.`;

interface Args {
  config?: string;
  check: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config" || a === "-c") {
      const v = argv[++i];
      if (!v) fail(`--config needs a file name\n${USAGE}`, 2);
      args.config = v;
    } else if (a?.startsWith("--config=")) args.config = a.slice("--config=".length);
    else if (a === "--check-config") args.check = true;
    else if (a === "--version") {
      process.stdout.write(`${PRODUCT_VERSION}\n`);
      process.exit(0);
    } else if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${a}\n${USAGE}`, 2);
  }
  return args;
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let config;
  try {
    config = loadConfig({ file: args.config });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
  if (args.check) {
    process.stdout.write("configuration is valid\n");
    return;
  }
  configureLogging(config.log);
  const log = moduleLogger("main");
  // The gateway never crashes on input: a bug that escapes a handler is logged, and the process
  // goes on serving everyone else.
  process.on("uncaughtException", (err) =>
    log.error("uncaught exception", { error: err.stack ?? String(err) }),
  );
  process.on("unhandledRejection", (err) =>
    log.error("unhandled rejection", {
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    }),
  );

  const gateway = new Gateway(config);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal} received`);
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("error while stopping", { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  await gateway.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
