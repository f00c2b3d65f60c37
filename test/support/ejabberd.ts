/**
 * A real ejabberd (Debian package, 23.01) for end-to-end tests: private temp dir, free loopback ports,
 * plain-text c2s with PLAIN auth and plain stored passwords, one XEP-0114 component listener, no shapers.
 *
 * The Erlang VM is started directly (`erl ... -s ejabberd`), not through ejabberdctl: ejabberdctl
 * switches to the `ejabberd` user when run as root and wraps the VM in a shell we could not signal.
 * Erlang distribution listens on 127.0.0.1 on a private port (no epmd is started) under a unique
 * node name, so `ctl()` (a copy of ejabberdctl) can still talk to the node.
 * Users are registered through mod_http_api on a private loopback HTTP port (~15 ms per user,
 * against ~1.1 s for each `ejabberdctl register`, which boots a VM).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort, waitForTcp } from "./ports.js";
import { ManagedProcess, makeTempDir, removeTempDir, serverStartTimeoutMs, restartable } from "./process.js";
import { resolveXmppServerOptions, type XmppServer, type XmppServerOptions } from "./xmpp-server.js";

const execFileAsync = promisify(execFile);
const HOST = "127.0.0.1";
const EJABBERDCTL = "/usr/sbin/ejabberdctl";

export interface EjabberdServer extends XmppServer {
  kind: "ejabberd";
  /** mod_http_api port (loopback only, every command allowed). */
  httpPort: number;
  /** Erlang distribution port of the node. */
  distPort: number;
  /** e.g. "sxg_1234_1_ab12cd@localhost" */
  nodeName: string;
  /** Calls an ejabberd API command over HTTP, returns the decoded JSON answer (throws on HTTP errors). */
  api(command: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  /** Runs ejabberdctl against this node (boots a VM: ~1 s per call); returns stdout. */
  ctl(...args: string[]): Promise<string>;
}

/** The ERL_LIBS the Debian ejabberdctl uses (the multiarch lib dir holding ejabberd-<version>/). */
function debianErlLibs(): string {
  try {
    const m = /^ERL_LIBS='?([^'\n]+)'?$/m.exec(readFileSync(EJABBERDCTL, "utf8"));
    if (m?.[1]) return m[1];
  } catch {
    // fall through
  }
  return "/usr/lib/x86_64-linux-gnu";
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

let instanceCounter = 0;

/**
 * ejabberd builds a translation cache (db/translations.cache, ~1.2 MB) on its first start, which
 * takes ~0.15-0.3 s; later instances of this process start from a copy of the first one's.
 */
let translationsSeed: Promise<string | undefined> | undefined;

function saveTranslationsSeed(dbDir: string): void {
  translationsSeed ??= (async () => {
    try {
      const seedDir = await makeTempDir("ejabberd-seed");
      const seed = path.join(seedDir, "translations.cache");
      await copyFile(path.join(dbDir, "translations.cache"), seed);
      return seed;
    } catch {
      return undefined;
    }
  })();
}

interface HttpAnswer {
  status: number;
  body: string;
}

function httpPost(port: number, urlPath: string, body: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port,
        method: "POST",
        path: urlPath,
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          connection: "close",
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`HTTP POST ${urlPath} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export async function startEjabberd(opts: XmppServerOptions = {}): Promise<EjabberdServer> {
  const o = resolveXmppServerOptions(opts);
  const dir = await makeTempDir("ejabberd");
  let proc: ManagedProcess | undefined;
  try {
    const c2sPort = await freePort();
    const componentPort = await freePort();
    const httpPort = await freePort();
    const distPort = await freePort();
    const nodeName = `sxg_${process.pid}_${++instanceCounter}_${randomBytes(3).toString("hex")}@localhost`;
    const cookie = randomBytes(12).toString("hex");
    const dbDir = path.join(dir, "db");
    const logDir = path.join(dir, "log");
    await mkdir(dbDir);
    await mkdir(logDir);
    const configFile = path.join(dir, "ejabberd.yml");
    const ctlConfigFile = path.join(dir, "ejabberdctl.cfg");
    const inetrcFile = path.join(dir, "inetrc");
    const ctlScript = path.join(dir, "ejabberdctl");
    const logFile = path.join(dir, "ejabberd.console.log");

    await writeFile(
      configFile,
      `# generated by test/support/ejabberd.ts
loglevel: info
hosts:
  - ${yamlString(o.domain)}
certfiles: []
acme:
  auto: false
listen:
  -
    port: ${c2sPort}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 1048576
    backlog: 1024
  -
    port: ${componentPort}
    ip: "127.0.0.1"
    module: ejabberd_service
    backlog: 1024
    hosts:
      ${yamlString(o.componentDomain)}:
        password: ${yamlString(o.componentSecret)}
  -
    port: ${httpPort}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /api: mod_http_api
auth_method: internal
auth_password_format: plain
s2s_access: none
registration_timeout: infinity
acl:
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  c2s:
    allow: all
  register:
    allow: all
api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
  "loopback http":
    from:
      - mod_http_api
    who:
      acl: loopback
    what: "*"
# No shaper and no mod_pres_counter (the Debian defaults throttle load tests).
shaper: {}
shaper_rules:
  max_user_sessions: 1000
modules:
  mod_admin_extra: {}
  mod_disco: {}
  mod_http_api: {}
  mod_ping: {}
  mod_register:
    access: register
    ip_access: all
    password_strength: 0
    welcome_message: {}
  mod_roster: {}
  mod_version: {}
`,
    );
    // Name lookups from the VM never leave the machine.
    await writeFile(inetrcFile, `{lookup, ["file"]}.\n{host, {127,0,0,1}, ["localhost"]}.\n`);
    await writeFile(
      ctlConfigFile,
      `ERLANG_NODE=${nodeName}\nINET_DIST_INTERFACE=127.0.0.1\nERL_DIST_PORT=${distPort}\nERL_OPTIONS="-setcookie ${cookie}"\n`,
    );
    // A copy of ejabberdctl that does not switch to the ejabberd user (it does as root otherwise).
    const ctlSource = await readFile(EJABBERDCTL, "utf8");
    await writeFile(ctlScript, ctlSource.replace(/^INSTALLUSER=.*$/m, "INSTALLUSER="));
    await chmod(ctlScript, 0o755);

    const env: NodeJS.ProcessEnv = {
      HOME: dir,
      ERL_LIBS: debianErlLibs(),
      EJABBERD_CONFIG_PATH: configFile,
      EJABBERD_LOG_PATH: path.join(logDir, "ejabberd.log"),
      ERL_CRASH_DUMP: path.join(logDir, "erl_crash.dump"),
      ERL_INETRC: inetrcFile,
      ERL_DIST_PORT: String(distPort),
      ERL_MAX_PORTS: "32000",
      ERL_MAX_ETS_TABLES: "1400",
      CONTRIB_MODULES_PATH: path.join(dir, "modules"),
      EJABBERD_BYPASS_WARNINGS: "true",
    };
    const args = [
      "-sname",
      nodeName,
      "-setcookie",
      cookie,
      "+K",
      "true",
      "+P",
      "250000",
      "-kernel",
      "inet_dist_use_interface",
      "{127,0,0,1}",
      "-erl_epmd_port",
      String(distPort),
      "-start_epmd",
      "false",
      "-mnesia",
      "dir",
      JSON.stringify(dbDir),
      "-s",
      "ejabberd",
      "-noinput",
    ];

    const api = async (
      command: string,
      body: Record<string, unknown> = {},
      timeoutMs = 10000,
    ): Promise<unknown> => {
      const res = await httpPost(httpPort, `/api/${command}`, JSON.stringify(body), timeoutMs);
      if (res.status !== 200) {
        const err = new Error(`ejabberd api ${command}: HTTP ${res.status} ${res.body}`) as Error & {
          status?: number;
        };
        err.status = res.status;
        throw err;
      }
      return res.body === "" ? undefined : (JSON.parse(res.body) as unknown);
    };

    const start = async (): Promise<void> => {
      const p = ManagedProcess.start({
        name: "ejabberd",
        command: "erl",
        args,
        cwd: dir,
        env,
        logFile,
        stopTimeoutMs: 10000,
      });
      proc = p;
      await p.waitReady(async (signal) => {
        // ejabberd binds its listening sockets early but accepts only once fully started, so a TCP
        // connect alone is not enough: wait for an answer to the HTTP "status" command.
        await waitForTcp(HOST, httpPort, serverStartTimeoutMs, { signal });
        for (;;) {
          signal.throwIfAborted();
          try {
            await api("status", {}, serverStartTimeoutMs);
            break;
          } catch {
            await sleep(25);
          }
        }
        await waitForTcp(HOST, c2sPort, serverStartTimeoutMs, { signal });
        await waitForTcp(HOST, componentPort, serverStartTimeoutMs, { signal });
      }, serverStartTimeoutMs);
    };
    const stopProcess = async (): Promise<void> => {
      const p = proc;
      proc = undefined;
      if (p) await p.stop();
    };

    const registerUser = async (user: string, password: string): Promise<void> => {
      if (user === "") throw new Error("registerUser: empty user name");
      try {
        await api("register", { user, host: o.domain, password });
      } catch (err) {
        if ((err as { status?: number }).status !== 409) throw err;
        // Already registered: set the password instead.
        await api("change_password", { user, host: o.domain, newpass: password });
      }
    };

    const server: EjabberdServer = {
      kind: "ejabberd",
      host: HOST,
      c2sPort,
      componentPort,
      httpPort,
      distPort,
      nodeName,
      domain: o.domain,
      componentDomain: o.componentDomain,
      componentSecret: o.componentSecret,
      dir,
      registerUser,
      api,
      async ctl(...ctlArgs: string[]) {
        const { stdout } = await execFileAsync(
          ctlScript,
          [
            "--config-dir",
            dir,
            "--config",
            configFile,
            "--ctl-config",
            ctlConfigFile,
            "--logs",
            logDir,
            "--spool",
            dbDir,
            ...ctlArgs,
          ],
          { cwd: dir, env: { ...process.env, ...env }, timeout: 30000 },
        );
        return stdout;
      },
      ...restartable("ejabberd", dir, start, stopProcess),
    };

    const seed = await translationsSeed;
    if (seed) await copyFile(seed, path.join(dbDir, "translations.cache")).catch(() => undefined);
    await start();
    saveTranslationsSeed(dbDir);
    await Promise.all(o.users.map((u) => registerUser(u.user, u.password)));
    return server;
  } catch (err) {
    await proc?.stop();
    await removeTempDir(dir);
    throw err;
  }
}
