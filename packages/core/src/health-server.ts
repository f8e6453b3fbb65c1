import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** A readiness check answers whether one part is ready; `detail` says why not. */
export type ReadinessCheck = () => boolean | { ready: boolean; detail?: string };

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
}

/**
 * Serves `/metrics`, `/healthz` (the process is alive) and `/readyz` (every registered check passes; 503
 * with the failing checks otherwise). Not ready until at least one check is registered and `markStarted()`.
 */
export class HealthServer {
  readonly #options: HealthServerOptions;
  readonly #checks = new Map<string, ReadinessCheck>();
  #server: Server | undefined;
  #started = false;

  constructor(options: HealthServerOptions) {
    this.#options = options;
  }

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
  }

  /** Called by the service once its parts have started; until then `/readyz` answers 503. */
  markStarted(): void {
    this.#started = true;
  }

  get port(): number {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('health server is not listening');
    return address.port;
  }

  readiness(): { ready: boolean; checks: Record<string, { ready: boolean; detail?: string }> } {
    const checks: Record<string, { ready: boolean; detail?: string }> = {};
    let ready = this.#started;
    for (const [name, check] of this.#checks) {
      let result: { ready: boolean; detail?: string };
      try {
        const answer = check();
        result = typeof answer === 'boolean' ? { ready: answer } : answer;
      } catch (err) {
        result = { ready: false, detail: err instanceof Error ? err.message : String(err) };
      }
      checks[name] = result;
      ready &&= result.ready;
    }
    if (!this.#started) checks.started = { ready: false, detail: 'starting' };
    if (this.#checks.size === 0) {
      // A process that registered nothing to check has nothing that could say it works.
      ready = false;
      checks.checks = { ready: false, detail: 'no readiness check registered' };
    }
    return { ready, checks };
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
        const readiness = this.readiness();
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
