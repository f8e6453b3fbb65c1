import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.ts';

export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** A prom-client registry, or anything that renders a scrape (the transformer's cluster aggregate). */
  metrics: Registry | MetricsSource;
  /** What `/readyz` reports. */
  readiness: Readiness;
}

/** Serves `/metrics`, `/healthz` (the process is alive) and `/readyz` (its readiness; 503 with the failing checks). */
export class HealthServer {
  readonly #options: HealthServerOptions;
  #server: Server | undefined;

  constructor(options: HealthServerOptions) {
    this.#options = options;
  }

  get port(): number {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('health server is not listening');
    return address.port;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#options.logger.error({ err }, 'health server request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    // Scrapers and probes reconnect freely; idle keep-alive sockets must not hold shutdown open.
    server.keepAliveTimeout = 5_000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port, this.#options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await this.#options.metrics.metrics();
        res.writeHead(200, { 'content-type': this.#options.metrics.contentType }).end(body);
        return;
      }
      case '/healthz':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      case '/readyz': {
        const readiness = this.#options.readiness.report();
        res
          .writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify(readiness));
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  }
}
