import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { coalesceWrites } from "../../../src/util/coalesce-writes.js";

/** A connected client socket, with what reaches the server and how the client's stream wrote it. */
async function pair(): Promise<{
  client: net.Socket;
  received: () => string;
  calls: string[][];
  close: () => void;
}> {
  let got = "";
  const server = net.createServer((s) => s.on("data", (d: Buffer) => (got += d.toString())));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, "127.0.0.1");
  await once(client, "connect");
  // Writable calls _write for one chunk and _writev for several buffered (corked) chunks.
  const calls: string[][] = [];
  const w = client as unknown as {
    _write(chunk: Buffer, enc: string, cb: () => void): void;
    _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void): void;
  };
  const write = w._write.bind(client);
  const writev = w._writev.bind(client);
  w._write = (chunk, enc, cb) => {
    calls.push([String(chunk)]);
    write(chunk, enc, cb);
  };
  w._writev = (chunks, cb) => {
    calls.push(chunks.map((c) => String(c.chunk)));
    writev(chunks, cb);
  };
  return {
    client,
    received: () => got,
    calls,
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

test("the writes of one turn reach the stream as one writev, in order", async () => {
  const p = await pair();
  coalesceWrites(p.client);
  p.client.write("a");
  p.client.write("b");
  p.client.write("c");
  assert.deepEqual(p.calls, [], "nothing is written before the turn ends");
  await nextTurn();
  assert.deepEqual(p.calls, [["a", "b", "c"]]);
  p.client.write("d");
  await nextTurn();
  assert.deepEqual(p.calls, [["a", "b", "c"], ["d"]], "a later turn is a write of its own");
  for (let i = 0; i < 50 && p.received() !== "abcd"; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(p.received(), "abcd");
  p.close();
});

test("without it, each write is its own call (what the test above tells apart)", async () => {
  const p = await pair();
  p.client.write("a");
  p.client.write("b");
  await nextTurn();
  assert.equal(p.calls.length, 2);
  p.close();
});

test("installing twice is harmless, and a socket destroyed before the flush does not throw", async () => {
  const p = await pair();
  coalesceWrites(p.client);
  coalesceWrites(p.client);
  p.client.write("x");
  p.client.destroy();
  await nextTurn();
  assert.ok(p.client.destroyed);
  p.close();
});
