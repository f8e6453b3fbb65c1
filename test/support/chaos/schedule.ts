import { createRandom } from '../../../services/demo-api/src/prng.ts';

/**
 * When to do what to a running pipeline, drawn from a seed (printed with every run, so that a failing run can
 * be repeated). Moments are fractions of the batch's progress (jobs ended / jobs), not seconds: on a slower
 * machine the faults still land while work is in flight, and one schedule means the same thing everywhere.
 */
export type ChaosAction =
  | { kind: 'kill'; process: string }
  | { kind: 'restart-broker' }
  | { kind: 'database-outage'; seconds: number }
  | { kind: 'broker-node-outage'; node: number; seconds: number };

export type ChaosEvent = ChaosAction & {
  /** Fires once this fraction of the batch's jobs has ended. */
  atProgress: number;
};

export interface ChaosPlan {
  seed: number;
  /** Each is SIGKILLed this many times (and started again by the launcher). */
  processes: readonly string[];
  killsEach: number;
  brokerRestarts: number;
  databaseOutages: number;
  databaseOutageSeconds: number;
  /** Broker nodes to stop one after another (each once), for a cluster. */
  brokerNodes?: readonly number[];
  brokerNodeOutageSeconds?: number;
  /** Progress window the moments are drawn from. */
  from: number;
  to: number;
}

export function chaosSchedule(plan: ChaosPlan): ChaosEvent[] {
  if (!(plan.from >= 0 && plan.from < plan.to && plan.to <= 1)) {
    throw new RangeError(`the progress window must satisfy 0 ≤ from < to ≤ 1, got ${plan.from}..${plan.to}`);
  }
  const random = createRandom(plan.seed);
  const at = () => plan.from + random.next() * (plan.to - plan.from);
  const actions: ChaosAction[] = [
    ...plan.processes.flatMap((process) =>
      Array.from({ length: plan.killsEach }, (): ChaosAction => ({ kind: 'kill', process })),
    ),
    ...Array.from({ length: plan.brokerRestarts }, (): ChaosAction => ({ kind: 'restart-broker' })),
    ...Array.from(
      { length: plan.databaseOutages },
      (): ChaosAction => ({ kind: 'database-outage', seconds: plan.databaseOutageSeconds }),
    ),
    ...(plan.brokerNodes ?? []).map(
      (node): ChaosAction => ({
        kind: 'broker-node-outage',
        node,
        seconds: plan.brokerNodeOutageSeconds ?? 10,
      }),
    ),
  ];
  const events = actions.map((action): ChaosEvent => ({ ...action, atProgress: at() }));
  // Broker nodes go down in the order given (a cluster loses one at a time), at their sorted moments.
  const nodeMoments = events
    .filter((event) => event.kind === 'broker-node-outage')
    .map((event) => event.atProgress)
    .sort((a, b) => a - b);
  let next = 0;
  for (const event of events) {
    if (event.kind === 'broker-node-outage') event.atProgress = nodeMoments[next++] as number;
  }
  return events.sort((a, b) => a.atProgress - b.atProgress);
}

export function describeAction(action: ChaosAction): string {
  switch (action.kind) {
    case 'kill':
      return `SIGKILL ${action.process}`;
    case 'restart-broker':
      return 'restart the broker';
    case 'database-outage':
      return `stop the database for ${action.seconds} s`;
    case 'broker-node-outage':
      return `stop broker node ${action.node + 1} for ${action.seconds} s`;
  }
}
