import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import { lingerOnClose } from "../../../infra/http/lingering-close";

/**
 * A server that answers before reading a large body, then closes, must still get its answer to the client: without
 * a lingering close the client's kernel receives a reset while the body is still being sent, and discards the answer.
 */
const BODY = Buffer.alloc(16 * 1024 * 1024, "x");

/** Sends `head` then the 16 MB body on a raw socket and returns what came back before the connection ended. */
function send(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    let got = "";
    c.on("data", (d) => (got += d.toString("latin1")));
    c.on("error", () => undefined);
    c.on("close", () => resolve(got));
    // The client reads its answer only once it is done sending, as a simple client does, then closes its side.
    c.pause();
    c.write(head);
    c.end(BODY, () => c.resume());
    setTimeout(() => c.destroy(), 10_000).unref();
  });
}

async function serve(handler: http.RequestListener, totalMs?: number): Promise<http.Server> {
  const server = http.createServer(handler);
  lingerOnClose(server, { totalMs });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return server;
}

describe("lingering close", () => {
  it("delivers an early answer (401, unread 16 MB body, connection: close) every time", async () => {
    const server = await serve((_req, res) => res.writeHead(401, { "content-length": "6" }).end("denied"));
    const port = (server.address() as AddressInfo).port;
    try {
      for (let i = 0; i < 10; i++) {
        const got = await send(port, `POST /x HTTP/1.1\r\nhost: t\r\nconnection: close\r\ncontent-length: ${BODY.length}\r\n\r\n`);
        expect(got.split("\r\n")[0]).toBe("HTTP/1.1 401 Unauthorized");
        expect(got.endsWith("denied")).toBe(true);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("answers a request it cannot parse with 400 even while the client keeps sending", async () => {
    // Reads the body first, so the parse error in it comes before any answer.
    const server = await serve((req, res) => req.resume().on("end", () => res.end("never")));
    const port = (server.address() as AddressInfo).port;
    try {
      for (let i = 0; i < 5; i++) {
        const got = await send(port, `POST /x HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`);
        expect(got.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("releases a connection whose client never stops sending, after its lingering time", async () => {
    const server = await serve((_req, res) => res.writeHead(413, { connection: "close", "content-length": "0" }).end(), 3_000);
    const port = (server.address() as AddressInfo).port;
    try {
      // A client that keeps its side open after the server's FIN (most clients close theirs at once).
      const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
      c.on("error", () => undefined);
      let answer = "";
      c.on("data", (d) => (answer += d.toString("latin1")));
      c.write(`POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 999999999\r\n\r\n`);
      // Trickle forever: a byte every 200 ms keeps the idle timer from firing, so only the total bound (3 s here) ends it.
      const trickle = setInterval(() => c.writable && c.write("x"), 200);
      const started = Date.now();
      await new Promise<void>((r) => c.on("close", () => r()));
      clearInterval(trickle);
      expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(2_900);
      expect(took).toBeLessThan(15_000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);
});
