import assert from "node:assert/strict";
import { test } from "node:test";
import { configureLogging, moduleLogger } from "../../../src/log/logger.js";

/** The JSON lines the loggers write to stdout while `f` runs. */
function captured(f: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    f();
  } finally {
    process.stdout.write = write;
  }
  return lines
    .join("")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("calls below the level write nothing; at or above it they write, children included", () => {
  const log = moduleLogger("test");
  try {
    configureLogging({ level: "warn", format: "json" });
    const quiet = captured(() => {
      log.debug("d");
      log.info("i");
      log.child({ id: "x" }).info("ci");
      log.warn("w", { n: 1 });
      log.child({ id: "y" }).error("ce");
    });
    assert.deepEqual(
      quiet.map((l) => [l["level"], l["message"], l["module"], l["id"], l["n"]]),
      [
        ["warn", "w", "test", undefined, 1],
        ["error", "ce", "test", "y", undefined],
      ],
    );
    configureLogging({ level: "debug", format: "json" });
    const loud = captured(() => {
      log.debug("d");
      log.child({ id: "z" }).debug("cd");
    });
    assert.deepEqual(
      loud.map((l) => [l["level"], l["message"], l["id"]]),
      [
        ["debug", "d", undefined],
        ["debug", "cd", "z"],
      ],
    );
  } finally {
    configureLogging({ level: "info", format: "json" });
  }
});
