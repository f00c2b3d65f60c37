/**
 * Request/response over Node's IPC channel between the benchmark and its worker processes
 * (load generators, the drachtio test server). Each worker is its own process so that the load
 * it generates, and the CPU it burns, is measured apart from the rest.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The SIGUSR2 CPU profiler preloaded into the gateway and the drachtio test server. */
export const PROFILER_HOOK = path.join(here, "profiler-hook.mjs");

interface Request {
  rpc: number;
  op: string;
  args: unknown;
}
interface Response {
  rpc: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export type Handlers = Record<string, (args: never) => unknown>;

/** Worker side: answers requests with `handlers[op](args)`; "exit" ends the process after answering. */
export function serveRpc(handlers: Handlers): void {
  const send = (r: Response): void => {
    process.send?.(r);
  };
  process.on("message", (raw: Request) => {
    void (async () => {
      try {
        if (raw.op === "exit") {
          send({ rpc: raw.rpc, ok: true });
          process.disconnect?.();
          setTimeout(() => process.exit(0), 100).unref();
          return;
        }
        const h = handlers[raw.op];
        if (!h) throw new Error(`unknown op ${raw.op}`);
        send({ rpc: raw.rpc, ok: true, result: await h(raw.args as never) });
      } catch (e) {
        send({ rpc: raw.rpc, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    })();
  });
  // The parent went away: nothing left to do.
  process.on("disconnect", () => setTimeout(() => process.exit(0), 200).unref());
}

/** Parent side: one forked worker process running a .ts script through tsx. */
export class Worker {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (r: Response) => {
      const w = this.waiting.get(r.rpc);
      if (!w) return;
      this.waiting.delete(r.rpc);
      if (r.ok) w.resolve(r.result);
      else w.reject(new Error(`${name}: ${r.error ?? "failed"}`));
    });
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        live.delete(child);
        for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code ?? signal})`));
        this.waiting.clear();
        resolve();
      });
    });
  }

  /** Forks bench/<script> with tsx (and `execArgv` before it), stdout/stderr inherited. */
  static fork(name: string, script: string, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}) {
    const child = fork(path.join(here, script), [], {
      execArgv: ["--import", "tsx", ...(opts.execArgv ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Worker(name, child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  call<T>(op: string, args: object = {}, timeoutMs = 120_000): Promise<T> {
    const rpc = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rpc);
        reject(new Error(`${this.name}: ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(rpc, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ rpc, op, args } satisfies Request);
    });
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Asks the worker to exit; SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.call("exit", {}, timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
