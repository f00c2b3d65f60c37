// Preloaded (--import) into the gateway and the drachtio test server by the IM benchmark. Without
// BENCH_PROFILE_PREFIX it does nothing; with it:
// - each SIGUSR2 starts, or stops and writes, a V8 CPU profile (the format of --cpu-prof, which
//   NODE_OPTIONS does not accept) to `${BENCH_PROFILE_PREFIX}-<n>.cpuprofile`;
// - each SIGWINCH (ignored by a process without this hook) runs a full garbage collection and
//   writes process.memoryUsage() after it to `${BENCH_PROFILE_PREFIX}-mem-<n>.json`: the live heap,
//   which unlike RSS does not depend on when the collector last ran.
import { rename, writeFile } from "node:fs/promises";
import { Session } from "node:inspector";
import { isMainThread } from "node:worker_threads";

const prefix = process.env.BENCH_PROFILE_PREFIX;
if (prefix && isMainThread) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const publish = async (file, text) => {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  };
  const report = (e) => process.stderr.write(`profiler-hook: ${String(e)}\n`);

  let running = false;
  let profiles = 0;
  process.on("SIGUSR2", () => {
    void (async () => {
      if (!running) {
        running = true;
        await post("Profiler.enable");
        await post("Profiler.setSamplingInterval", { interval: 1000 });
        await post("Profiler.start");
      } else {
        running = false;
        const { profile } = await post("Profiler.stop");
        await publish(`${prefix}-${++profiles}.cpuprofile`, JSON.stringify(profile));
      }
    })().catch(report);
  });

  let snapshots = 0;
  process.on("SIGWINCH", () => {
    void (async () => {
      await post("HeapProfiler.enable");
      await post("HeapProfiler.collectGarbage");
      await publish(`${prefix}-mem-${++snapshots}.json`, JSON.stringify(process.memoryUsage()));
    })().catch(report);
  });
}
