/**
 * Per-module loggers on one winston root. JSON lines when stdout is not a terminal (containers,
 * journald), readable text on a terminal; `log.format` overrides. Child loggers carry the context
 * of one message or call (`{ callId, sid, jid }`) so it can be followed through the log:
 *
 *     const log = moduleLogger("sip");
 *     log.child({ callId }).info("INVITE received");
 */
import winston from "winston";

export type Logger = winston.Logger;
export type LogLevel = "error" | "warn" | "info" | "debug";

const root = winston.createLogger({
  level: "info",
  format: jsonFormat(),
  transports: [new winston.transports.Console({ stderrLevels: [] })],
});

/**
 * winston formats and pipes every call through its stream before its transport drops what is below
 * the level: a filtered `debug()` costs 3-6 us, on every message. Here a call below the level
 * returns at once. Levels are set only on the root (configureLogging); children inherit it.
 */
const LEVELS: LogLevel[] = ["error", "warn", "info", "debug"];
let threshold = LEVELS.indexOf("info");
{
  const proto = Object.getPrototypeOf(root) as Record<LogLevel, (...args: unknown[]) => unknown>;
  for (const [rank, level] of LEVELS.entries()) {
    const write = proto[level];
    proto[level] = function (this: unknown, ...args: unknown[]) {
      return rank > threshold ? this : write.apply(this, args);
    };
  }
}

function jsonFormat(): winston.Logform.Format {
  return winston.format.combine(winston.format.timestamp(), winston.format.errors(), winston.format.json());
}

function textFormat(): winston.Logform.Format {
  return winston.format.combine(
    winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
    winston.format.errors(),
    winston.format.printf((info) => {
      const { timestamp, level, message, module, stack, ...rest } = info;
      const ctx = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
      const trace = typeof stack === "string" ? `\n${stack}` : "";
      return `${String(timestamp)} ${level.padEnd(5)} [${String(module ?? "-")}] ${String(message)}${ctx}${trace}`;
    }),
  );
}

export function configureLogging(opts: { level: LogLevel; format: "auto" | "json" | "text" }): void {
  const text = opts.format === "text" || (opts.format === "auto" && process.stdout.isTTY === true);
  root.level = opts.level;
  threshold = LEVELS.indexOf(opts.level);
  root.format = text ? textFormat() : jsonFormat();
}

/** Silences all output (tests that start the gateway in-process set GATEWAY_LOG_SILENT=1). */
export function silenceLogging(silent: boolean): void {
  for (const t of root.transports) t.silent = silent;
}

export function moduleLogger(module: string): Logger {
  return root.child({ module });
}
