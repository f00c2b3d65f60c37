import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimiter } from "../../../src/im/rate-limiter.js";
import { TrackedMessages } from "../../../src/im/tracked-messages.js";

describe("RateLimiter", () => {
  it("allows a burst, then the rate, per sender", () => {
    let t = 0;
    const r = new RateLimiter(2, 3, () => t);
    assert.deepEqual([r.take("a"), r.take("a"), r.take("a"), r.take("a")], [true, true, true, false]);
    assert.equal(r.take("b"), true, "another sender has its own bucket");
    assert.equal(r.retryAfter("a"), 1);
    t = 499;
    assert.equal(r.take("a"), false);
    t = 501;
    assert.equal(r.take("a"), true, "2 per second: one token after 500 ms");
    assert.equal(r.take("a"), false);
  });

  it("forgets idle senders, so memory follows active senders", () => {
    let t = 0;
    const r = new RateLimiter(10, 10, () => t);
    for (let i = 0; i < 1000; i++) r.take(`s${i}`);
    assert.equal(r.size, 1000);
    t = 5000;
    r.take("late");
    assert.equal(r.size, 1);
  });

  it("rate 0 means no limit", () => {
    const r = new RateLimiter(0, 0);
    for (let i = 0; i < 100; i++) assert.equal(r.take("a"), true);
  });
});

describe("TrackedMessages", () => {
  it("expires entries after the ttl and keeps at most max", () => {
    let t = 0;
    const m = new TrackedMessages<number>(1000, 3, () => t);
    m.set("a", 1);
    m.set("b", 2);
    t = 500;
    m.set("c", 3);
    m.set("d", 4);
    assert.equal(m.get("a"), undefined, "the oldest went when the fourth came");
    assert.equal(m.get("b"), 2);
    t = 1001;
    assert.equal(m.get("b"), undefined, "expired");
    assert.equal(m.get("c"), 3);
    m.delete("c");
    assert.equal(m.get("c"), undefined);
  });
});
