import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosRunResult, chaosTable } from '../support/chaos/chaos-run.ts';
import { chaosRun, expectExact } from '../support/chaos/chaos-suite.ts';
import { LocalServers } from '../support/local-servers.ts';
import { type NodeIndex, RabbitMQCluster } from '../support/rabbitmq-cluster.ts';

// The end-to-end workload on a three-node RabbitMQ cluster (infra/local/rabbitmq-cluster.sh), the services given
// all three URLs in AMQP_URL, while each node in turn is stopped mid-run and started again: work must go on
// without an operator, and the time without progress after each loss is reported.

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const NAME = 'cluster';

let cluster: RabbitMQCluster;
let database: LocalServers;
let result: ChaosRunResult | undefined;
/** Per node stopped: the node holding the leader of the fetch queue at that moment. */
const leadersAtStop: { stopped: string; fetchQueueLeader: string }[] = [];

beforeAll(async () => {
  process.stdout.write(`chaos seed ${SEED} (CHAOS_SEED=${SEED} repeats this run)\n`);
  [cluster, database] = await Promise.all([RabbitMQCluster.start(), LocalServers.start({ broker: false })]);
}, 300_000);

afterAll(async () => {
  if (result) {
    process.stdout.write(`\n${chaosTable([{ name: NAME, result }])}\n`);
    for (const { node, stallSeconds } of result.nodeOutageStalls) {
      process.stdout.write(
        `[${NAME}] node ${node + 1} stopped: longest time without a job ending, from the stop to 10 s after its ` +
          `start: ${stallSeconds.toFixed(1)} s\n`,
      );
    }
  }
  await Promise.all([cluster?.stop(), database?.stop()]);
}, 180_000);

describe('the pipeline on a three-node broker cluster', () => {
  it('goes on without an operator while each node in turn is stopped and started, and ends in the exact state', async () => {
    result = await chaosRun({
      name: NAME,
      broker: { amqpUrl: cluster.amqpUrl, managementUrl: cluster.managementUrl },
      mongoUrl: database.mongoUrl,
      faults: {
        async stopBrokerNode(node) {
          const fetchQueueLeader = await cluster.queueLeader('/', `chaos-${NAME}.fetch.jobs`);
          leadersAtStop.push({ stopped: cluster.nodes[node] as string, fetchQueueLeader });
          await cluster.stopNode(node as NodeIndex);
        },
        startBrokerNode: (node) => cluster.startNode(node as NodeIndex),
      },
      stages: { transformWorkers: 2 },
      perHostRate: 4,
      seed: SEED,
      schedule: {
        killsEach: 0,
        brokerRestarts: 0,
        databaseOutages: 0,
        databaseOutageSeconds: 0,
        brokerNodes: [0, 1, 2],
        brokerNodeOutageSeconds: 10,
      },
    });
    expectExact(result, 0);
    expect(result.fired.map((entry) => entry.event.kind)).toEqual([
      'broker-node-outage',
      'broker-node-outage',
      'broker-node-outage',
    ]);
    // Each node went down once, so one of them held the fetch queue's leader when it did.
    expect(leadersAtStop.some(({ stopped, fetchQueueLeader }) => stopped === fetchQueueLeader)).toBe(true);
    expect(await cluster.isComplete()).toBe(true);
  }, 600_000);
});
