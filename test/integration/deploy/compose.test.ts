import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_HEAP_FLAGS } from '@tributary/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../support/cli.ts';
import { readEnvFile } from '../../support/env-file.ts';

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: Debian's docker-compose 1.29 resolves
 * the file (interpolation, anchors, defaults) as `docker compose up` would, and the test reads what it resolved.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const ENV_EXAMPLE = join(ROOT, '.env.example');
const STAGES = ['fetcher', 'transformer', 'writer'] as const;
const PIPELINE = ['rabbitmq', 'mongodb', 'demo-api', ...STAGES] as const;
const MISSING_TOOL =
  "docker-compose is not installed: these checks need Debian's docker-compose 1.29 (`bash infra/local/tools.sh docker-compose`)";

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  container_name?: string;
  restart?: string;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
}

interface ComposeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const EXAMPLE = readEnvFile(ENV_EXAMPLE);

/**
 * The environment docker-compose runs in: without the credential variables, since compose prefers the
 * environment's to the env file's, and without COMPOSE_* settings a developer may have exported.
 */
function composeEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !EXAMPLE.has(name) && !name.startsWith('COMPOSE_')),
  );
}

function dockerCompose(args: readonly string[]): Promise<ComposeRun> {
  const { promise, resolve, reject } = Promise.withResolvers<ComposeRun>();
  const child = spawn('docker-compose', ['-f', COMPOSE_FILE, ...args], {
    cwd: ROOT,
    env: composeEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    reject(err.code === 'ENOENT' ? new Error(MISSING_TOOL, { cause: err }) : err);
  });
  child.on('close', (code) => resolve({ code, stdout, stderr }));
  return promise;
}

let dir: string;
/** Credentials no file holds, so that finding them in the resolved file proves they came from the env file. */
const UNIQUE = new Map([...EXAMPLE.keys()].map((name) => [name, `${name.toLowerCase()}-${process.pid}`]));
let services: Record<string, ComposeService>;

async function envFile(name: string, variables: ReadonlyMap<string, string>): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, [...variables].map(([key, value]) => `${key}=${value}\n`).join(''));
  return path;
}

function service(name: string): ComposeService {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function credential(name: string): string {
  const value = UNIQUE.get(name);
  if (value === undefined) throw new Error(`.env.example does not define ${name}`);
  return value;
}

beforeAll(async () => {
  const version = await dockerCompose(['version', '--short']);
  if (version.code !== 0) throw new Error(`docker-compose version failed: ${version.stderr}`);
  dir = await mkdtemp(join(tmpdir(), 'tributary-compose-'));
  const resolved = await dockerCompose(['--env-file', await envFile('unique.env', UNIQUE), 'config']);
  if (resolved.code !== 0) throw new Error(`docker-compose config failed: ${resolved.stderr}`);
  services = (parse(resolved.stdout) as { services: Record<string, ComposeService> }).services;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('docker-compose.yml', () => {
  it('is valid with the variables of .env.example, and needs no other', async () => {
    const result = await dockerCompose(['--env-file', ENV_EXAMPLE, 'config', '-q']);
    // docker-compose warns `The X variable is not set` for a plain ${X} it finds in no env file.
    expect(result.stderr).not.toMatch(/variable is not set/);
    expect(result.code).toBe(0);
  });

  it.each([...EXAMPLE.keys()])('refuses to start without %s, and names it', async (name) => {
    const without = new Map([...EXAMPLE].filter(([key]) => key !== name));
    const result = await dockerCompose([
      '--env-file',
      await envFile(`without-${name}.env`, without),
      'config',
      '-q',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${name} is missing`);
  });

  it('takes every credential from the env file: no `guest`, none written in the file', () => {
    const withoutComments = readFileSync(COMPOSE_FILE, 'utf8').replace(/^\s*#.*$/gm, '');
    expect(withoutComments).not.toMatch(/guest/i);
    expect(JSON.stringify(services)).not.toMatch(/guest/i);
    expect(service('rabbitmq').environment).toMatchObject({
      RABBITMQ_DEFAULT_USER: credential('RABBITMQ_USER'),
      RABBITMQ_DEFAULT_PASS: credential('RABBITMQ_PASSWORD'),
    });
    for (const name of [...STAGES, 'seed']) {
      const amqp = new URL(service(name).environment?.AMQP_URL ?? 'missing:');
      expect(`${amqp.protocol}//${amqp.host}`, name).toBe('amqp://rabbitmq:5672');
      expect([amqp.username, amqp.password], name).toEqual([
        credential('RABBITMQ_USER'),
        credential('RABBITMQ_PASSWORD'),
      ]);
    }
  });

  it('runs MongoDB with authentication, and the fetcher, the writer and the seed log in as its root user', () => {
    expect(service('mongodb').environment).toMatchObject({
      MONGO_INITDB_ROOT_USERNAME: credential('MONGO_USER'),
      MONGO_INITDB_ROOT_PASSWORD: credential('MONGO_PASSWORD'),
    });
    for (const name of ['fetcher', 'writer', 'seed']) {
      const mongo = new URL(service(name).environment?.MONGO_URL ?? 'missing:');
      expect(mongo.host, name).toBe('mongodb:27017');
      expect([mongo.username, mongo.password], name).toEqual([
        credential('MONGO_USER'),
        credential('MONGO_PASSWORD'),
      ]);
      expect(mongo.searchParams.get('authSource'), name).toBe('admin');
    }
  });

  it('gives Grafana an administrator and no anonymous access', () => {
    expect(service('grafana').environment).toMatchObject({
      GF_SECURITY_ADMIN_USER: credential('GRAFANA_ADMIN_USER'),
      GF_SECURITY_ADMIN_PASSWORD: credential('GRAFANA_ADMIN_PASSWORD'),
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
    });
  });

  it('lets every stage scale: no published port, no fixed container name', () => {
    for (const name of STAGES) {
      expect(service(name).ports, name).toBeUndefined();
      expect(service(name).container_name, name).toBeUndefined();
    }
  });

  it('checks the health of every Tributary service where it answers', () => {
    for (const name of STAGES) {
      const test = service(name).healthcheck?.test?.join(' ') ?? '';
      expect(test, name).toContain(`:${service(name).environment?.HTTP_PORT}/readyz`);
    }
    const demo = service('demo-api');
    expect(demo.healthcheck?.test?.join(' ')).toContain(`:${demo.environment?.DEMO_PORT}/healthz`);
  });

  it('seeds the demo batch once, after the whole pipeline is healthy, with a command the CLI accepts', async () => {
    const seed = service('seed');
    expect(seed.restart).toBe('no');
    for (const name of PIPELINE) expect(seed.depends_on?.[name]?.condition, name).toBe('service_healthy');
    const [node, main, ...args] = seed.command ?? [];
    expect([node, main]).toEqual(['node', 'packages/cli/src/main.ts']);
    expect(args[0]).toBe('demo');
    // The demo API the seed names is the one the fetchers are allowed to reach.
    const api = new URL(args[args.indexOf('--api') + 1] ?? 'missing:');
    expect(service('fetcher').environment?.FETCH_ALLOW_HOSTS?.split(',')).toContain(api.host);
    const help = await runCli([...args, '--help'], {});
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
  });

  it("is what Prometheus' DNS discovery expects: one name per stage, on the stages' HTTP port", () => {
    const prometheus = parse(readFileSync(join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const discovered = prometheus.scrape_configs.flatMap((job) => job.dns_sd_configs ?? []);
    // The embedder runs with compose's `embed` profile; its name resolves to nothing without it.
    expect(discovered.flatMap((sd) => sd.names).sort()).toEqual([...STAGES, 'embedder'].sort());
    for (const name of STAGES) {
      for (const sd of discovered) expect(String(sd.port)).toBe(service(name).environment?.HTTP_PORT);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it("copies every workspace's package.json before npm ci, which refuses a lock file missing one", () => {
    const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const packages = workspaces.flatMap((pattern) => {
      const base = pattern.replace(/\/\*$/, '');
      return readdirSync(join(ROOT, base))
        .map((name) => `${base}/${name}`)
        .filter((path) => existsSync(join(ROOT, path, 'package.json')));
    });
    expect(packages).toContain('packages/cli');
    const npmCi = dockerfile.search(/^RUN npm ci /m);
    expect(npmCi).toBeGreaterThan(-1);
    for (const path of packages) {
      const copy = dockerfile.indexOf(`COPY ${path}/package.json ${path}/`);
      expect(copy, path).toBeGreaterThan(-1);
      expect(copy, path).toBeLessThan(npmCi);
    }
  });

  it('installs production dependencies only, runs as a user other than root and checks its health', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.at(-1)).toMatch(/^(?!root$|0$)/);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/readyz/ms);
  });

  it('runs the services with the heap limits the launcher gives them', () => {
    const nodeOptions = /^ENV NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1];
    expect(nodeOptions).toBe(SERVICE_HEAP_FLAGS.join(' '));
  });
});
