/**
 * Managed child processes and temporary directories for the end-to-end test bench.
 *
 * - A child runs in its own process group (detached), its stdout and stderr are appended to a log file.
 * - Children are unref'd: a test file that forgets to stop a server still lets the test process exit,
 *   and the process 'exit' hook below then kills the whole process group with SIGKILL.
 * - SIGINT/SIGTERM/SIGHUP also kill the children (then the signal's default action runs, unless someone
 *   else, such as the test runner, handles it).
 * - Temporary directories are removed on stop and on exit, unless KEEP_TEST_DIRS=1.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readSync, fstatSync, rmSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const keepTestDirs = process.env.KEEP_TEST_DIRS === "1";

/** Startup timeout of the bench servers; override with E2E_SERVER_START_TIMEOUT_MS on slow machines. */
export const serverStartTimeoutMs = Number(process.env.E2E_SERVER_START_TIMEOUT_MS ?? 20000);

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (for example ENOENT). */
  error?: Error;
}

export interface ManagedProcessOptions {
  /** Name used in messages, e.g. "prosody". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** Added to (and overriding) process.env. */
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended to this file. */
  logFile: string;
  /** If set, stderr goes to this file instead of `logFile`. */
  stderrFile?: string;
  /** Write a "=== <date> <command line>" line to the log before starting (default true). */
  logHeader?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 5000 ms. */
  stopTimeoutMs?: number;
}

const live = new Set<ManagedProcess>();
const tempDirs = new Set<string>();

/** Signals the child's process group (it is the group leader: spawned detached), else the child itself. */
function killGroup(pid: number, signal: NodeJS.Signals, groupOnly = false): void {
  try {
    process.kill(-pid, signal);
  } catch {
    if (groupOnly) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function describeExit(info: ExitInfo): string {
  if (info.error) return `failed to spawn: ${info.error.message}`;
  return info.signal ? `killed by ${info.signal}` : `exited with code ${String(info.code)}`;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly stderrFile: string | undefined;
  readonly command: string;
  readonly args: readonly string[];
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly stopTimeoutMs: number;
  private exit: ExitInfo | null = null;

  private constructor(opts: ManagedProcessOptions) {
    this.name = opts.name;
    this.logFile = opts.logFile;
    this.stderrFile = opts.stderrFile;
    this.command = opts.command;
    this.args = opts.args;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
    const fd = openSync(opts.logFile, "a");
    const errFd = opts.stderrFile != null ? openSync(opts.stderrFile, "a") : fd;
    try {
      if (opts.logHeader ?? true) {
        writeSync(fd, `=== ${new Date().toISOString()} ${opts.command} ${opts.args.join(" ")}\n`);
      }
      this.child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env },
        stdio: ["ignore", fd, errFd],
        detached: true,
      });
    } finally {
      closeSync(fd);
      if (errFd !== fd) closeSync(errFd);
    }
    this.exited = new Promise<ExitInfo>((resolve) => {
      const finish = (info: ExitInfo): void => {
        if (this.exit) return;
        this.exit = info;
        live.delete(this);
        // Kill anything the main process left behind in its group (the pid itself is reaped already,
        // but Linux does not hand out a pid still in use as a process group id).
        if (this.child.pid != null) killGroup(this.child.pid, "SIGKILL", true);
        resolve(info);
      };
      this.child.once("exit", (code, signal) => finish({ code, signal }));
      this.child.once("error", (error) => finish({ code: null, signal: null, error }));
    });
    this.child.unref();
    if (this.child.pid != null) live.add(this);
  }

  /** Spawns the process. A spawn failure (e.g. missing binary) shows up in `exited` / `waitReady`. */
  static start(opts: ManagedProcessOptions): ManagedProcess {
    installExitHooks();
    return new ManagedProcess(opts);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit == null && this.child.pid != null;
  }

  get exitInfo(): ExitInfo | null {
    return this.exit;
  }

  /** The last `lines` lines of the log file (and of the stderr file, if separate). */
  logTail(lines = 40): string {
    const out = tailFile(this.logFile, lines);
    if (this.stderrFile == null) return out;
    return `${out}\n--- last lines of ${this.stderrFile} ---\n${tailFile(this.stderrFile, lines)}`;
  }

  /** SIGTERM, then SIGKILL (whole process group) after the stop timeout. Resolves once the process is gone. */
  async stop(timeoutMs = this.stopTimeoutMs): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    const pid = this.child.pid;
    if (pid == null) return this.exited;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
    // This timer is ref'd on purpose: it keeps the event loop alive while we wait for the exit.
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Immediately SIGKILLs the whole process group. */
  kill(): void {
    if (this.running && this.child.pid != null) killGroup(this.child.pid, "SIGKILL");
  }

  /**
   * Waits until `check` resolves, racing it against the process exiting and a timeout.
   * On failure the process is killed and the error includes the end of the log.
   */
  async waitReady(check: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<void> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (reason: string): void => {
          if (done) return;
          done = true;
          this.kill();
          reject(
            new Error(
              `${this.name} did not become ready: ${reason}\n` +
                `command: ${this.command} ${this.args.join(" ")}\n` +
                `--- last lines of ${this.logFile} ---\n${this.logTail()}`,
            ),
          );
        };
        void this.exited.then((info) => fail(describeExit(info)));
        timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
        check(controller.signal).then(
          () => {
            if (done) return;
            done = true;
            resolve();
          },
          (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
        );
      });
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }
}

/** Last `lines` lines of a file (reads at most the last 64 KiB); "" if it cannot be read. */
export function tailFile(file: string, lines = 40): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString("utf8")
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  } catch {
    return "";
  } finally {
    if (fd != null) closeSync(fd);
  }
}

/** A new directory under os.tmpdir(); removed by removeTempDir() and at process exit (unless KEEP_TEST_DIRS=1). */
export async function makeTempDir(prefix: string): Promise<string> {
  installExitHooks();
  const dir = await mkdtemp(path.join(os.tmpdir(), `sxg-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  tempDirs.delete(dir);
  if (keepTestDirs) {
    console.error(`KEEP_TEST_DIRS=1: keeping ${dir}`);
    return;
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** SIGKILLs every live managed process (synchronously). */
export function killAllManagedProcesses(): void {
  for (const p of live) p.kill();
}

let hooksInstalled = false;

function cleanupSync(): void {
  killAllManagedProcesses();
  if (keepTestDirs) return;
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort
    }
  }
  tempDirs.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", cleanupSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      cleanupSync();
      // If nobody else handles the signal, restore its default action (terminate).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * The stop/restart pair every server helper offers: `stop()` (safe to call twice) stops the process
 * and removes its directory; `restart()` stops and starts it again on the same ports and data.
 */
export function restartable(
  name: string,
  dir: string,
  start: () => Promise<void>,
  stopProcess: () => Promise<void>,
): { stop(): Promise<void>; restart(): Promise<void> } {
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProcess();
      await removeTempDir(dir);
    },
    async restart() {
      if (stopped) throw new Error(`${name}: restart() after stop()`);
      await stopProcess();
      await start();
    },
  };
}
