/**
 * sipp (Debian package sip-tester, 3.6.1) runs for end-to-end tests.
 *
 * Every run gets `-i 127.0.0.1 -p <free> -ci 127.0.0.1 -cp <free> -mi 127.0.0.1 -mp <4 free ports> -nostdin`
 * and a `-recv_timeout`: without them sipp binds its control socket on 0.0.0.0:8888, its media
 * sockets on 6000+ and, with no -p, the SIP port 5060 when it is free.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, freePortRange, waitForBound } from "./ports.js";
import { ManagedProcess, makeTempDir, removeTempDir, serverStartTimeoutMs } from "./process.js";

const HOST = "127.0.0.1";

/** Absolute path of a scenario shipped in test/support/sipp/, e.g. sippScenario("options-uac"). */
export function sippScenario(name: string): string {
  return fileURLToPath(new URL(`./sipp/${name}.xml`, import.meta.url));
}

/** -sf for a path (anything with a "/" or ending in .xml) or a file of test/support/sipp/, else -sn (built-in). */
function scenarioArguments(scenario: string): string[] {
  if (scenario.includes("/") || scenario.endsWith(".xml")) return ["-sf", path.resolve(scenario)];
  const shipped = sippScenario(scenario);
  return existsSync(shipped) ? ["-sf", shipped] : ["-sn", scenario];
}

export interface SippOptions {
  /**
   * Path to a scenario XML (anything with a "/" or ending in .xml), the name of one in test/support/sipp/
   * ("options-uac"), or a sipp built-in: "uac", "uas", "regexp", "branchc", "branchs", "3pcc-A", ...
   */
  scenario: string;
  /** host:port of the peer (required for runSipp). */
  remote?: string;
  transport?: "u1" | "t1";
  /** -m: stop after this many calls. */
  calls?: number;
  /** -r: calls per second. */
  rate?: number;
  /** More sipp arguments, appended last. */
  extraArgs?: string[];
  /**
   * runSipp: the whole run's limit, default 30000 ms (sipp gets `-timeout <seconds, rounded up> -timeout_error`
   * and then exits with 255; it is killed 5 s later if still running). startSippServer: optional, the same.
   */
  timeoutMs?: number;
  /** -recv_timeout: how long a call waits for an expected message, default 5000 ms. */
  recvTimeoutMs?: number;
  /** Keyword substitutions: `-key name value` for each entry, used as [name] in the scenario. */
  vars?: Record<string, string>;
  /** -s: user part of the request URI, [service] in the scenario (sipp's default "service"). */
  service?: string;
  /** -p: local SIP port, default a free one. */
  localPort?: number;
  /** Record the SIP messages (-trace_msg) and return them as `messages`; default true. */
  traceMessages?: boolean;
}

export interface SippResult {
  /** sipp's exit code: 0 all calls succeeded, 1 some failed, 255/254 fatal errors; 128+n if killed by signal n. */
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The SIP messages sipp sent and received (-trace_msg), unless traceMessages is false. */
  messages?: string;
  /** Unexpected messages and errors (-trace_err), if any. */
  errors?: string;
  /** Killed by the helper after timeoutMs + 5 s. */
  timedOut: boolean;
  /** The local SIP port sipp used. */
  localPort: number;
  /** The full command line, for failure messages. */
  command: string;
}

export interface SippServer {
  host: string;
  port: number;
  /** Resolves when sipp exits (by itself, or after stop()). */
  done: Promise<SippResult>;
  /** SIGTERM (sipp then exits at once, code 0); resolves with the result. */
  stop(): Promise<SippResult>;
}

interface SippRun {
  port: number;
  proc: ManagedProcess;
  result: Promise<SippResult>;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

async function spawnSipp(opts: SippOptions, name: string): Promise<SippRun> {
  const dir = await makeTempDir("sipp");
  try {
    const port = opts.localPort ?? (await freePort());
    const controlPort = await freePort();
    // sipp binds the media port and media port + 2 (audio, video); keep 4 ports for it.
    const media = await freePortRange(4);
    const scenarioArgs = scenarioArguments(opts.scenario);
    const trace = opts.traceMessages ?? true;
    const messageFile = path.join(dir, "messages.log");
    const errorFile = path.join(dir, "errors.log");
    const stdoutFile = path.join(dir, "stdout.log");
    const stderrFile = path.join(dir, "stderr.log");
    const args = [
      ...scenarioArgs,
      ...(opts.remote != null ? [opts.remote] : []),
      "-i",
      HOST,
      "-p",
      String(port),
      "-ci",
      HOST,
      "-cp",
      String(controlPort),
      "-mi",
      HOST,
      "-mp",
      String(media.min),
      "-nostdin",
      "-t",
      opts.transport ?? "u1",
      "-recv_timeout",
      String(opts.recvTimeoutMs ?? 5000),
      "-trace_err",
      "-error_file",
      errorFile,
      ...(trace ? ["-trace_msg", "-message_file", messageFile] : []),
      ...(opts.calls != null ? ["-m", String(opts.calls)] : []),
      ...(opts.rate != null ? ["-r", String(opts.rate)] : []),
      ...(opts.service != null ? ["-s", opts.service] : []),
      // sipp truncates -timeout to whole seconds (2500ms -> 2 s), so round up here.
      ...(opts.timeoutMs != null
        ? ["-timeout", String(Math.max(1, Math.ceil(opts.timeoutMs / 1000))), "-timeout_error"]
        : []),
      ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["-key", k, v]),
      ...(opts.extraArgs ?? []),
    ];
    const proc = ManagedProcess.start({
      name,
      command: "sipp",
      args,
      cwd: dir,
      logFile: stdoutFile,
      stderrFile,
      logHeader: false,
      stopTimeoutMs: 3000,
    });
    let timedOut = false;
    let hardTimer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs != null) {
      // Ref'd on purpose: keeps the event loop alive while sipp runs.
      hardTimer = setTimeout(() => {
        timedOut = true;
        proc.kill();
      }, opts.timeoutMs + 5000);
    }
    const result = proc.exited.then(async (info): Promise<SippResult> => {
      clearTimeout(hardTimer);
      const signalNumber = info.signal ? (os.constants.signals[info.signal] ?? 0) : 0;
      const res: SippResult = {
        exitCode: info.code ?? (info.signal ? 128 + signalNumber : 255),
        signal: info.signal,
        stdout: (await readOptional(stdoutFile)) ?? "",
        stderr: (await readOptional(stderrFile)) ?? (info.error ? String(info.error) : ""),
        messages: trace ? ((await readOptional(messageFile)) ?? "") : undefined,
        errors: await readOptional(errorFile),
        timedOut,
        localPort: port,
        command: `sipp ${args.join(" ")}`,
      };
      await removeTempDir(dir);
      return res;
    });
    return { port, proc, result };
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  }
}

/** Runs sipp to completion (always pass `calls` for a UAC, or it runs until the timeout). */
export async function runSipp(opts: SippOptions & { remote: string }): Promise<SippResult> {
  const run = await spawnSipp({ ...opts, timeoutMs: opts.timeoutMs ?? 30000 }, "sipp");
  return run.result;
}

/**
 * Starts a sipp server scenario (default the built-in "uas") in the background on `port` (default free)
 * and resolves once its SIP socket is bound.
 */
export async function startSippServer(
  opts: Partial<SippOptions> & { port?: number } = {},
): Promise<SippServer> {
  const run = await spawnSipp(
    { ...opts, scenario: opts.scenario ?? "uas", localPort: opts.port ?? opts.localPort },
    "sipp server",
  );
  let keepAlive: NodeJS.Timeout | undefined;
  const finished = run.result.finally(() => clearInterval(keepAlive));
  try {
    await run.proc.waitReady(
      (signal) =>
        waitForBound(run.port, opts.transport === "t1" ? "tcp" : "udp", serverStartTimeoutMs, { signal }),
      serverStartTimeoutMs,
    );
  } catch (err) {
    await finished.catch(() => undefined);
    throw err;
  }
  return {
    host: HOST,
    port: run.port,
    get done() {
      // Whoever awaits `done` needs the event loop to stay alive until sipp exits.
      if (run.proc.running) keepAlive ??= setInterval(() => undefined, 60_000);
      return finished;
    },
    async stop() {
      await run.proc.stop();
      return finished;
    },
  };
}

/** The SIP messages in sipp's -trace_msg log that it received (not the ones it sent), in order. */
export function sippReceived(result: SippResult): string[] {
  // -trace_msg: "----- <date>\nUDP message received [N] bytes :\n\n<message>" per message.
  return (result.messages ?? "")
    .split(/^-{10,} [^\n]*\n/m)
    .filter((chunk) => /^(UDP|TCP) message received/.test(chunk))
    .map((chunk) => chunk.replace(/^[^\n]*\n\n/, "").replace(/\n$/, ""));
}

/** The first value of a header in a traced SIP message. */
export function sipHeader(msg: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*:\\s*(.*)$`, "im").exec(msg)?.[1]?.trim();
}

/** The body of a traced SIP message. */
export function sipBody(msg: string): string {
  const i = msg.indexOf("\r\n\r\n");
  return i < 0 ? msg.slice(msg.indexOf("\n\n") + 2) : msg.slice(i + 4);
}

/** For assertion messages: sipp's own complaint first (its error log), then its output and messages. */
export function explainSipp(r: SippResult): string {
  return `${r.errors ?? ""}\n${r.stdout.slice(-1500)}\n${r.messages ?? ""}`;
}
