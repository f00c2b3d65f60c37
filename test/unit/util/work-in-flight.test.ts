import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkInFlight } from "../../../src/util/work-in-flight.js";

describe("WorkInFlight", () => {
  it("drain resolves at once when idle, and marks draining", async () => {
    const w = new WorkInFlight();
    assert.equal(await w.drain(10), true);
    assert.equal(w.draining, true);
  });

  it("drain waits for work in flight, even when it fails", async () => {
    const w = new WorkInFlight();
    let release!: () => void;
    const work = w.run(() => new Promise<void>((_, reject) => (release = () => reject(new Error("x")))));
    let drained: boolean | undefined;
    const d = w.drain(1000).then((v) => (drained = v));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(drained, undefined, "still waiting");
    release();
    await assert.rejects(work);
    await d;
    assert.equal(drained, true);
  });

  it("drain gives up after the timeout", async () => {
    const w = new WorkInFlight();
    void w.run(() => new Promise(() => undefined));
    assert.equal(await w.drain(30), false);
  });
});
