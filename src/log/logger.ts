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
  root.format = text ? textFormat() : jsonFormat();
}

/** Silences all output (tests that start the gateway in-process set GATEWAY_LOG_SILENT=1). */
export function silenceLogging(silent: boolean): void {
  for (const t of root.transports) t.silent = silent;
}

export function moduleLogger(module: string): Logger {
  return root.child({ module });
}
