// The transformer: a node:cluster primary that supervises worker processes, each consuming transform.raw.
// This file only picks the role; primary.ts and worker.ts wire each.
import cluster from 'node:cluster';
import { runPrimary } from './primary.ts';
import { runWorker } from './worker.ts';

if (cluster.isPrimary) await runPrimary();
else await runWorker();
