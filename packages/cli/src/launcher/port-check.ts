import { createServer } from 'node:net';

/** True when `host:port` cannot be bound because something else listens there. */
export function portInUse(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(true);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(false));
    });
  });
}

/** The ones of `targets` whose port is taken. */
export async function busyPorts<T extends { port: number; host: string }>(
  targets: readonly T[],
): Promise<T[]> {
  const taken = await Promise.all(targets.map((target) => portInUse(target.port, target.host)));
  return targets.filter((_, index) => taken[index]);
}
