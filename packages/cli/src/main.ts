#!/usr/bin/env node
// The `tributary` command: wiring only. Every command lives in a module of its own (see program.ts).
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv);
