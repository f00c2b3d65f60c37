import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  UNAVAILABLE,
  availabilityRank,
  mostAvailable,
  type PresenceState,
} from "../../../src/presence/presence-model.js";
import { parseQvalue, priorityToQvalue, qvalueToPriority } from "../../../src/presence/priority.js";

describe("mostAvailable", () => {
  it("orders chat > available > away > xa > dnd > unavailable", () => {
    const order: PresenceState[] = [
      { available: true, show: "chat" },
      { available: true },
      { available: true, show: "away" },
      { available: true, show: "xa" },
      { available: true, show: "dnd" },
      { available: false },
    ];
    const ranks = order.map(availabilityRank);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => b - a),
    );
    assert.equal(new Set(ranks).size, order.length);
    for (let i = 0; i < order.length; i++) {
      const rest = order.slice(i);
      assert.equal(mostAvailable([...rest].reverse()), order[i]);
    }
  });

  it("an unavailable resource never wins over an available one, whatever its show or priority", () => {
    const dnd = { available: true, show: "dnd", priority: -5 } satisfies PresenceState;
    assert.equal(mostAvailable([{ available: false, show: "chat", priority: 127 }, dnd]), dnd);
  });

  it("equal availability: the higher priority, then the first", () => {
    const a = { available: true, show: "away", priority: 1 } satisfies PresenceState;
    const b = { available: true, show: "away", priority: 5 } satisfies PresenceState;
    const c = { available: true, show: "away" } satisfies PresenceState;
    assert.equal(mostAvailable([a, b]), b);
    assert.equal(mostAvailable([c, { ...c }]), c);
    assert.equal(mostAvailable([{ ...c, priority: -1 }, c]), c);
  });

  it("nothing is unavailable", () => {
    assert.equal(mostAvailable([]), UNAVAILABLE);
  });
});

describe("priority <-> qvalue", () => {
  it("every priority 0..127 survives the round trip; negatives become q=0", () => {
    for (let p = 0; p <= 127; p++) {
      const q = priorityToQvalue(p);
      assert.match(q ?? "", /^(0(\.[0-9]{1,3})?|1)$/);
      assert.equal(qvalueToPriority(parseQvalue(q)), p);
    }
    assert.equal(priorityToQvalue(-128), "0");
    assert.equal(priorityToQvalue(undefined), undefined);
    assert.equal(priorityToQvalue(1.5), undefined);
  });

  it("qvalues outside 0..1 or unreadable give no priority", () => {
    assert.equal(qvalueToPriority(parseQvalue("1.0")), 127);
    assert.equal(qvalueToPriority(parseQvalue(".5")), 64);
    assert.equal(parseQvalue("1."), 1);
    for (const bad of ["2", "-1", "0x1", "", "1e-1", undefined])
      assert.equal(parseQvalue(bad), undefined, bad);
  });
});
