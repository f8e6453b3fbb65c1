import { newTraceparent } from '@tributary/contracts';
import { sleep } from '@tributary/core';
import { outcome } from '@tributary/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freeClusterBasePort, type NodeIndex, RabbitMQCluster } from '../support/rabbitmq-cluster.ts';
import type { ConnectionInfo } from '../support/rabbitmq-management.ts';
import { waitFor } from '../support/wait-for.ts';
import { type Harness, startHarness } from './messaging/harness.ts';

// A three-node cluster of infra/local/rabbitmq-cluster.sh on spare ports, and the messaging package's client
// given all three AMQP URLs, as a service gets them in AMQP_URL.
const Numbered = z.object({ n: z.number() });
const VHOST = '/';

let cluster: RabbitMQCluster | undefined;
let harness: Harness | undefined;

beforeAll(async () => {
  cluster = await RabbitMQCluster.start({ baseAmqpPort: await freeClusterBasePort() });
}, 270_000);

afterAll(async () => {
  await harness?.close();
  await cluster?.stop();
}, 150_000);

/** The node the client's connection is on, from the management API of a node that runs. */
async function clientNode(c: RabbitMQCluster, askNode: NodeIndex): Promise<string | undefined> {
  const connections = (await c.management(askNode).connections(VHOST)) as (ConnectionInfo & {
    node?: string;
  })[];
  const nodes = new Set(connections.map((connection) => connection.node));
  return nodes.size === 1 ? [...nodes][0] : undefined;
}

describe('a 3-node RabbitMQ cluster (infra/local/rabbitmq-cluster.sh)', () => {
  it('keeps a quorum queue going when the node holding its leader stops: the client fails over, every message arrives exactly once, and the node rejoins', async () => {
    const c = cluster as RabbitMQCluster;
    expect(c.nodes).toHaveLength(3);
    expect(await c.isComplete()).toBe(true);

    const h = await startHarness(c.amqpUrl.split(','), { delayBucketsMs: [1_000] });
    harness = h;
    const queue = h.topology.names.stage('fetch').queue;
    const received = new Map<string, number>();
    let published = 0;
    const publishBatch = async (prefix: string, count: number) => {
      const ids = Array.from({ length: count }, (_, n) => `${prefix}-${n}`);
      // Each publish resolves only once the broker confirmed it, on whichever node the client is connected to.
      await Promise.all(
        ids.map((messageId, n) =>
          h.publisher.publishToStage('fetch', { n }, { messageId, traceparent: newTraceparent() }),
        ),
      );
      published += count;
      return ids;
    };
    const allReceived = (ids: string[]) => ids.every((id) => received.has(id));

    // Published and confirmed before the stop, consumed only after it: they must survive on the other two nodes.
    const before = await publishBatch('before', 150);
    const leader = await c.queueLeader(VHOST, queue);
    const leaderIndex = c.nodes.indexOf(leader) as NodeIndex;
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    // Quorum queue leaders go to the declaring client's node (client-local): stopping the leader's node drops the
    // client's connection too, so the client must move to another URL.
    let connectedTo: string | undefined;
    await waitFor(
      async () => {
        connectedTo = await clientNode(c, leaderIndex);
        return connectedTo !== undefined;
      },
      { timeoutMs: 10_000, what: "the client's connection in the management API" },
    );
    expect(connectedTo).toBe(leader);
    const reconnectsBefore = (await h.metrics.reconnects.get()).values[0]?.value ?? 0;

    await c.stopNode(leaderIndex);
    const survivor = ((leaderIndex + 1) % 3) as NodeIndex;
    await waitFor(
      async () => {
        const newLeader = await c.queueLeader(VHOST, queue).catch(() => undefined);
        return newLeader !== undefined && newLeader !== leader && c.nodes.includes(newLeader);
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'a new leader on one of the two other nodes' },
    );

    h.consume('fetch', Numbered, (_message, delivery) => {
      received.set(delivery.messageId, (received.get(delivery.messageId) ?? 0) + 1);
      return outcome.done();
    });
    const during = await publishBatch('during', 150);
    await waitFor(() => allReceived([...before, ...during]), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every message published before and while the leader node was down',
    });
    expect(h.connection.isConnected).toBe(true);
    expect((await h.metrics.reconnects.get()).values[0]?.value ?? 0).toBeGreaterThan(reconnectsBefore);
    await waitFor(
      async () => {
        const node = await clientNode(c, survivor);
        return node !== undefined && node !== leader;
      },
      { timeoutMs: 10_000, what: 'the client on another node' },
    );

    await c.startNode(leaderIndex);
    expect(await c.isComplete()).toBe(true);
    await waitFor(async () => (await c.quorumQueue(VHOST, queue))?.online?.length === 3, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "the restarted node's replica of the queue to be online again",
    });

    const after = await publishBatch('after', 50);
    await waitFor(() => allReceived(after), {
      timeoutMs: 20_000,
      what: 'the messages published after the rejoin',
    });
    // Let a late redelivery show up before counting.
    await sleep(1_000);
    const expected = [...before, ...during, ...after];
    const duplicates = [...received].filter(([, count]) => count > 1).map(([id]) => id);
    const unexpected = [...received.keys()].filter((id) => !expected.includes(id));
    expect({ duplicates, unexpected, distinct: received.size }).toEqual({
      duplicates: [],
      unexpected: [],
      distinct: published,
    });
  }, 150_000);
});
