import { createServer } from "node:net";

/** Ports this process handed out: the OS may offer a closed one again before its caller binds it. */
const handedOut = new Set<number>();

function askTheOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`unexpected listen address: ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the OS picks it (listen on 0), the socket
 * is closed and the number returned, never one this process handed out before (a cluster asks
 * for several ports before binding any). Another process can still take it before the caller
 * binds; callers that start servers retry on "address in use".
 */
export async function getFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await askTheOs();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("could not find a TCP port not handed out already");
}
