/** A failed call to the RabbitMQ management HTTP API, with its status and the body the broker sent. */
export class ManagementApiError extends Error {
  override readonly name = 'ManagementApiError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly responseBody: string;

  constructor(method: string, path: string, status: number, responseBody: string) {
    super(`RabbitMQ management API ${method} ${path} answered ${status}: ${responseBody.slice(0, 300)}`);
    this.method = method;
    this.path = path;
    this.status = status;
    this.responseBody = responseBody;
  }
}

export interface QueueInfo {
  name: string;
  vhost: string;
  /** Ready plus unacknowledged messages, as of the broker's last statistics emission. */
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  type?: string;
}

/** method, path, JSON body, statuses other than 2xx that are not errors, extra headers */
type RequestArgs = [
  method: string,
  path: string,
  body?: unknown,
  allowedStatuses?: number[],
  headers?: Record<string, string>,
];

export interface NodeInfo {
  name: string;
  /** Bytes of memory the node uses, as its memory alarm counts them. */
  mem_used: number;
}

export interface ConnectionInfo {
  name: string;
  vhost: string;
  user: string;
}

/**
 * The few calls of the RabbitMQ management HTTP API that tests need. The base URL may carry credentials
 * (`http://guest:guest@127.0.0.1:15672`); they become a Basic authorization header, since fetch refuses URLs
 * with credentials.
 */
export class RabbitMQManagement {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(managementUrl: string, options: { timeoutMs?: number } = {}) {
    const url = new URL(managementUrl);
    const username = decodeURIComponent(url.username) || 'guest';
    const password = decodeURIComponent(url.password) || 'guest';
    url.username = '';
    url.password = '';
    this.#baseUrl = url.toString().replace(/\/+$/, '');
    this.#authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Creates the vhost (no error when it exists). */
  async createVhost(vhost: string): Promise<void> {
    await this.#send('PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, {});
  }

  /** Deletes the vhost with everything in it and closes its connections; no error when it is gone already. */
  async deleteVhost(vhost: string): Promise<void> {
    await this.#send('DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`, undefined, [404]);
  }

  /** Gives `user` configure, write and read permission on everything in the vhost. */
  async grantAllPermissions(vhost: string, user: string): Promise<void> {
    await this.#send('PUT', `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
  }

  /** The queue's details; `undefined` when there is no such queue. */
  async queue(vhost: string, queue: string): Promise<QueueInfo | undefined> {
    const response = await this.#request(
      'GET',
      `/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`,
      undefined,
      [404],
    );
    return response.status === 404 ? undefined : ((await response.json()) as QueueInfo);
  }

  /** Every queue of every vhost. */
  async queues(): Promise<QueueInfo[]> {
    const response = await this.#request('GET', '/api/queues');
    return (await response.json()) as QueueInfo[];
  }

  /** The broker's nodes with the memory each uses, in bytes. */
  async nodes(): Promise<NodeInfo[]> {
    const response = await this.#request('GET', '/api/nodes');
    return (await response.json()) as NodeInfo[];
  }

  async connections(vhost: string): Promise<ConnectionInfo[]> {
    const response = await this.#request('GET', `/api/vhosts/${encodeURIComponent(vhost)}/connections`);
    return (await response.json()) as ConnectionInfo[];
  }

  /** Closes a client connection as the broker would on shutdown; no error when it is closed already. */
  async closeConnection(name: string, reason: string): Promise<void> {
    await this.#send('DELETE', `/api/connections/${encodeURIComponent(name)}`, undefined, [404], {
      'x-reason': reason,
    });
  }

  /** A request whose answer has no body worth reading. */
  async #send(...args: RequestArgs): Promise<void> {
    const response = await this.#request(...args);
    await response.body?.cancel();
  }

  async #request(
    ...[method, path, body, allowedStatuses = [], headers = {}]: RequestArgs
  ): Promise<Response> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: {
        authorization: this.#authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (!response.ok && !allowedStatuses.includes(response.status)) {
      throw new ManagementApiError(method, path, response.status, await response.text());
    }
    return response;
  }
}
