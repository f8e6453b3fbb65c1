import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';

/** A host that is down in the way a dead upstream often is: it accepts every connection and drops it at once. */
export interface DroppingHost {
  /** `127.0.0.1:port`, as a job's URL and FETCH_ALLOW_HOSTS name it. */
  host: string;
  /** Connections it has accepted (and dropped) so far: what reached it. */
  connections(): number;
  close(): void;
}

export async function startDroppingHost(): Promise<DroppingHost> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, connections: () => connections, close: () => server.close() };
}
