import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (four levels above packages/cli/src/launcher), whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export type ServiceName = 'demo-api' | 'fetcher' | 'transformer' | 'embedder' | 'writer';

/** The entry point a service runs from: `node services/<name>/src/main.ts`, as in production. */
export function serviceMainPath(service: ServiceName): string {
  return join(REPO_ROOT, 'services', service, 'src', 'main.ts');
}

/** The `tributary` command's entry point. */
export const CLI_MAIN_PATH = join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');

/** A script of infra/local (start.sh, stop.sh, env.sh, rabbitmq.sh, ferretdb.sh). */
export function infraScriptPath(script: string): string {
  return join(REPO_ROOT, 'infra', 'local', script);
}
