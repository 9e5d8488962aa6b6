import {
  type ConnectionOptions,
  checkOptions,
  DataBuffer,
  type Deferred,
  deferred,
  errors,
  extractProtocolMessage,
  INFO,
  type NatsConnection,
  NatsConnectionImpl,
  type Server,
  type ServerInfo,
  setTransportFactory,
  type Transport,
} from "@nats-io/nats-core/internal";
import { nodeResolveHost } from "@nats-io/transport-node/lib/node_transport";
import type { Socket } from "bun";

/**
 * A nats.js transport on Bun's own TCP sockets (`Bun.connect`), for plaintext connections.
 *
 * nats.js's Node transport goes through Bun's `node:net` emulation and its streams: under load
 * that was a fifth of a consumer process's CPU samples (stream bookkeeping on every read, one
 * socket write per flush). Here a read is handed to the client as it arrives, and the frames
 * the client sends in one event-loop turn (acks and publishes of several handlers) go out in
 * one write (setImmediate, before the next poll for I/O), in order. A write the kernel takes
 * only in part keeps the rest until the socket drains. Closing writes what is pending first.
 * TLS is not handled: `connectNats` uses the Node transport for `tls://` servers, and this one
 * refuses a server that requires or offers TLS rather than talk to it in plaintext.
 */
export class BunTransport implements Transport {
  readonly lang = "nats.js";
  readonly version = `bun-${Bun.version}`;
  closeError?: Error;
  #socket: Socket | undefined;
  #yields: Uint8Array[] = [];
  #signal: Deferred<void> = deferred();
  #closedNotification: Deferred<Error | undefined> = deferred();
  #info: Deferred<ServerInfo> | undefined = deferred();
  #done = false;
  #connected = false;
  #socketError: Error | undefined;
  #pending: Uint8Array[] = [];
  #unwritten: Uint8Array | undefined;

  get isClosed(): boolean {
    return this.#done;
  }

  async connect(server: Server, options: ConnectionOptions): Promise<void> {
    try {
      this.#socket = await Bun.connect({
        hostname: server.hostname,
        port: server.port,
        socket: {
          data: (_socket, chunk) => this.#received(chunk),
          drain: () => this.#writeUnwritten(),
          error: (_socket, err) => {
            this.#socketError = err;
          },
          end: (socket) => {
            socket.end();
          },
          close: () => {
            this.#info?.reject(this.#socketError ?? new Error("the server closed the connection"));
            void this.#closed(this.#socketError);
          },
        },
      });
      this.#socket.setNoDelay(true);
      if (this.#done) throw new errors.ConnectionError("the connection attempt was abandoned");
      const info = await (this.#info as Deferred<ServerInfo>);
      this.#info = undefined;
      checkOptions(info, options);
      // The Node transport upgrades whenever the server offers TLS; never fall back to plaintext.
      if (info.tls_required || (info.tls_available && options.tls !== null))
        throw errors.InvalidArgumentError.format(
          "tls",
          "is offered by this server: use a tls:// URL (the Node transport handles TLS)",
        );
      if (this.#done) throw new errors.ConnectionError("the connection attempt was abandoned");
      this.#connected = true;
      if (this.#yields.length > 0) this.#signal.resolve();
    } catch (err) {
      this.#socket?.terminate();
      const code = (err as { code?: string } | undefined)?.code;
      throw code === "ECONNREFUSED"
        ? new errors.ConnectionError("connection refused", { cause: err })
        : (err ?? new errors.ConnectionError("error connecting"));
    }
  }

  /** Until the server's INFO line is complete, chunks are kept to read it; then handed out. */
  #received(chunk: Uint8Array) {
    this.#yields.push(chunk);
    if (this.#info) {
      const line = extractProtocolMessage(DataBuffer.concat(...this.#yields));
      if (line === "") return;
      const m = INFO.exec(line);
      if (!m) this.#info.reject(new Error("unexpected response from server"));
      else this.#info.resolve(JSON.parse(m[1] as string));
      return;
    }
    this.#signal.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.#iterate();
  }

  async *#iterate(): AsyncIterableIterator<Uint8Array> {
    while (true) {
      if (this.#yields.length === 0) await this.#signal;
      const yields = this.#yields;
      this.#yields = [];
      for (const frame of yields) yield frame;
      if (this.#done) break;
      if (this.#yields.length === 0) this.#signal = deferred();
    }
  }

  isEncrypted(): boolean {
    return false;
  }

  send(frame: Uint8Array): void {
    if (this.#done) return;
    this.#pending.push(frame);
    if (this.#pending.length === 1) setImmediate(() => this.#writePending());
  }

  #writePending() {
    const frames = this.#pending;
    if (frames.length === 0) return;
    this.#pending = [];
    const joined = frames.length === 1 ? (frames[0] as Uint8Array) : DataBuffer.concat(...frames);
    if (this.#unwritten) {
      this.#unwritten = DataBuffer.concat(this.#unwritten, joined);
      return;
    }
    this.#write(joined);
  }

  #write(bytes: Uint8Array) {
    const socket = this.#socket;
    if (!socket || this.#done) return;
    const written = socket.write(bytes);
    if (written < bytes.length) this.#unwritten = bytes.subarray(Math.max(written, 0));
  }

  #writeUnwritten() {
    const bytes = this.#unwritten;
    this.#unwritten = undefined;
    if (bytes) this.#write(bytes);
  }

  close(err?: Error): Promise<void> {
    return this.#closed(err);
  }

  disconnect(): void {
    void this.#closed(undefined);
  }

  closed(): Promise<Error | undefined> {
    return this.#closedNotification;
  }

  discard(): void {
    this.#done = true;
    this.#socket?.terminate();
  }

  async #closed(err: Error | undefined): Promise<void> {
    if (!this.#connected) return;
    if (this.#done) {
      this.#socket?.terminate();
      return;
    }
    this.closeError = err;
    if (!err) {
      this.#writePending();
      this.#writeUnwritten();
    }
    this.#done = true;
    this.#socket?.end();
    this.#socket = undefined;
    this.#signal.resolve();
    this.#closedNotification.resolve(this.closeError);
  }
}

/**
 * `connect` from @nats-io/transport-node, on the Bun transport. The transport factory is global
 * to nats.js: a process that also connects with transport-node's `connect` gets whichever was
 * set last for its later reconnects. Both work for plaintext (the tests mix them); a process
 * should not mix `tls://` and plaintext servers.
 */
export function connectOverBun(options: ConnectionOptions): Promise<NatsConnection> {
  setTransportFactory({ factory: () => new BunTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(options);
}
