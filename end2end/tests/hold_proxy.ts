import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to the mail stack's IMAPS port (TLS passes through untouched: the
 * test CA's certificate names 127.0.0.1). Each connection passes freely until it has
 * carried `holdAfter` bytes (both ways counted); then nothing more passes either way
 * until `release()`. So a test can look at the app while a sync is surely still in the
 * middle, however fast the machine is, instead of racing it.
 */
export interface HoldProxy {
  host: string;
  port: string;
  /** Lets the connections holding go on, and no new one hold. */
  release(): void;
  close(): void;
}

export async function holdProxy(upstreamPort: string, holdAfter: number): Promise<HoldProxy> {
  let released = false;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(upstreamPort), '127.0.0.1');
    sockets.add(client).add(upstream);
    let carried = 0;
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        carried += chunk.length;
        if (released || carried <= holdAfter) {
          to.write(chunk);
          return;
        }
        client.pause();
        upstream.pause();
        waiting.push(() => {
          to.write(chunk);
          client.resume();
          upstream.resume();
        });
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: String((server.address() as AddressInfo).port),
    release: () => {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
