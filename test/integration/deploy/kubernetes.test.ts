import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type IScaledObject,
  type ITriggerAuthentication,
  ScaledObject,
  TriggerAuthentication,
} from '@kubernetes-models/keda/keda.sh/v1alpha1';
import {
  type IPodMonitor,
  PodMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { type Stage, topologyNames } from '@tributary/contracts';
import { type ConfigSpec, databaseSettings, loadConfig, serviceSettings } from '@tributary/core';
import { embedderServiceSettings } from '@tributary/embedder';
import { fetcherSettings } from '@tributary/fetcher';
import { messagingSettings } from '@tributary/messaging';
import { transformerSettings } from '@tributary/transformer';
import { writerServiceSettings } from '@tributary/writer';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  type IConfigMap,
  type IContainer,
  type ISecret,
  Namespace,
  Secret,
} from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { readEnvFile } from '../../support/env-file.ts';

/**
 * deploy/kubernetes rendered by the real kustomize (infra/local/kustomize.sh builds it) and read back: every object
 * checked against its kind's schema, then the wiring between objects that no schema sees. Nothing here talks to a
 * cluster.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy/kubernetes');
const INSTALLER = 'infra/local/kustomize.sh';
const CONNECTIONS_SECRET = 'tributary-connections';
/** The placeholder values the base's Secret is generated from; the services' config must accept them. */
const EXAMPLE_CONNECTIONS = readEnvFile(join(DEPLOY, 'base/connections.example.env'));

interface StageDeployment {
  stage: Stage;
  service: string;
  settings: ConfigSpec;
  /** The keys of the connection Secret it reads. */
  secrets: readonly string[];
}

/** The optional embed stage (components/embedder), which the example overlay adds. */
const EMBED_STAGE: StageDeployment = {
  stage: 'embed',
  service: 'embedder',
  settings: { ...serviceSettings, ...embedderServiceSettings },
  secrets: ['AMQP_URL', 'MONGO_URL', 'EMBED_API_KEY'],
};

/** Each stage, the service that runs it and every variable that service reads (as its main.ts loads them). */
const BASE_STAGES: readonly StageDeployment[] = [
  {
    stage: 'fetch',
    service: 'fetcher',
    // The database is discovery's: what a sitemap, feed or crawl found is recorded there.
    settings: { ...serviceSettings, ...messagingSettings, ...databaseSettings, ...fetcherSettings },
    secrets: ['AMQP_URL', 'MONGO_URL'],
  },
  {
    stage: 'transform',
    service: 'transformer',
    settings: { ...serviceSettings, ...messagingSettings, ...transformerSettings },
    secrets: ['AMQP_URL'],
  },
  {
    stage: 'store',
    service: 'writer',
    settings: { ...serviceSettings, ...writerServiceSettings },
    secrets: ['AMQP_URL', 'MONGO_URL'],
  },
];

/**
 * Every kind the manifests may hold, with the schema it is validated against: the Kubernetes OpenAPI for the
 * built-in kinds, the CRDs of KEDA and the Prometheus operator for theirs (kubernetes-models and its siblings).
 */
const MODELS: readonly { apiVersion: string; kind: string; new (): { validate(): void } }[] = [
  Namespace,
  ConfigMap,
  Secret,
  Deployment,
  PodDisruptionBudget,
  ScaledObject,
  TriggerAuthentication,
  PodMonitor,
];

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

type Labels = Readonly<Record<string, string>>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

interface Rendered {
  objects: KubeObject[];
  deployments: IDeployment[];
  configMaps: IConfigMap[];
  secrets: ISecret[];
  pdbs: IPodDisruptionBudget[];
  scaledObjects: IScaledObject[];
  triggerAuthentications: ITriggerAuthentication[];
  podMonitors: IPodMonitor[];
}

/** TRIBUTARY_KUSTOMIZE, else where the installer puts it; an error saying how to install it when it is not there. */
function kustomizeBinary(): string {
  const path =
    process.env.TRIBUTARY_KUSTOMIZE ||
    execFileSync('bash', [join(ROOT, INSTALLER), '--path'], { encoding: 'utf8' }).trim();
  try {
    accessSync(path, constants.X_OK);
  } catch (err) {
    throw new Error(
      `kustomize is not installed (looked for ${path}): run \`bash ${INSTALLER}\`, which builds it from the Go module proxy`,
      { cause: err },
    );
  }
  return path;
}

function isKubeObject(value: unknown): value is KubeObject {
  const object = value as Partial<KubeObject> | null;
  return (
    typeof object?.apiVersion === 'string' &&
    typeof object.kind === 'string' &&
    typeof object.metadata?.name === 'string'
  );
}

function render(dir: string): Rendered {
  const output = execFileSync(kustomizeBinary(), ['build', join(DEPLOY, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const objects = parseAllDocuments(output).map((document) => {
    if (document.errors.length > 0) throw new Error(`kustomize printed invalid YAML: ${document.errors[0]}`);
    const object: unknown = document.toJS();
    if (!isKubeObject(object)) throw new Error(`not a Kubernetes object: ${JSON.stringify(object)}`);
    return object;
  });
  // Unknown, so that each kind's guard narrows to that kind's interface.
  const all: unknown[] = objects;
  return {
    objects,
    deployments: all.filter(Deployment.is),
    configMaps: all.filter(ConfigMap.is),
    secrets: all.filter(Secret.is),
    pdbs: all.filter(PodDisruptionBudget.is),
    scaledObjects: all.filter(ScaledObject.is),
    triggerAuthentications: all.filter(TriggerAuthentication.is),
    podMonitors: all.filter(PodMonitor.is),
  };
}

/**
 * kustomize wraps a long Secret value's base64 over lines. The API server's decoder skips the line breaks (Go's
 * base64 does); the schema's pattern for base64 does not, so they go before validation.
 */
function withoutLineBreaksInSecrets(object: KubeObject): KubeObject {
  if (!Secret.is(object) || object.data === undefined) return object;
  const data = Object.fromEntries(
    Object.entries(object.data).map(([key, value]) => [key, value.replace(/\s+/g, '')]),
  );
  return { ...object, data } as KubeObject;
}

function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const value = labels[key];
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** "250m" → 0.25, "2" → 2. */
function cpuCores(quantity: string | number | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(quantity));
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

/** "256Mi" → bytes. */
function memoryBytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(String(quantity));
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

describe.each(['base', 'overlays/example'])('deploy/kubernetes/%s, rendered by kustomize', (dir) => {
  const STAGES = dir === 'base' ? BASE_STAGES : [...BASE_STAGES, EMBED_STAGE];
  let cached: Rendered | undefined;
  // Rendered by the first test that needs it rather than in a hook: a missing kustomize then fails every test
  // with the installer's name, where a failing hook would only mark them skipped.
  function rendered(): Rendered {
    cached ??= render(dir);
    return cached;
  }

  function deploymentOf(service: string): IDeployment {
    const found = rendered().deployments.filter((d) =>
      d.spec?.template.spec?.containers.some((c) => c.name === service),
    );
    expect(found, `Deployments running a ${service} container`).toHaveLength(1);
    return found[0] as IDeployment;
  }

  function containerOf(deployment: IDeployment): IContainer {
    const containers = deployment.spec?.template.spec?.containers ?? [];
    expect(containers).toHaveLength(1);
    return containers[0] as IContainer;
  }

  function podLabels(deployment: IDeployment): Labels {
    return deployment.spec?.template.metadata?.labels ?? {};
  }

  /** The environment the container starts with: its ConfigMaps, the example Secret's values, the CPU limit. */
  function environmentOf(deployment: IDeployment): Record<string, string> {
    const container = containerOf(deployment);
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const name = source.configMapRef?.name;
      expect(name, 'envFrom names a ConfigMap (secrets come one key at a time)').toBeDefined();
      const configMap = rendered().configMaps.find((c) => c.metadata?.name === name);
      expect(configMap, `ConfigMap ${name} is rendered`).toBeDefined();
      Object.assign(env, configMap?.data);
    }
    for (const variable of container.env ?? []) {
      const from = variable.valueFrom;
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (from?.secretKeyRef) env[variable.name] = EXAMPLE_CONNECTIONS.get(from.secretKeyRef.key) ?? '';
      else if (from?.resourceFieldRef?.resource === 'limits.cpu') {
        env[variable.name] = String(Math.ceil(cpuCores(container.resources?.limits?.cpu)));
      } else throw new Error(`${variable.name}: a source this test does not know`);
    }
    return env;
  }

  it('holds only objects that validate against the schema of their kind', () => {
    const problems: string[] = [];
    for (const object of rendered().objects) {
      const id = `${object.kind} ${object.metadata.name}`;
      const Model = MODELS.find((m) => m.apiVersion === object.apiVersion && m.kind === object.kind);
      if (Model === undefined) {
        problems.push(`${id}: no schema for ${object.apiVersion} ${object.kind} (add its model to MODELS)`);
        continue;
      }
      try {
        Object.assign(new Model(), withoutLineBreaksInSecrets(object)).validate();
      } catch (err) {
        problems.push(`${id}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs each stage in a Deployment of its own, all from one image, with the service as the command', () => {
    expect(rendered().deployments).toHaveLength(STAGES.length);
    const kustomization = parse(readFileSync(join(DEPLOY, dir, 'kustomization.yaml'), 'utf8')) as {
      images?: { name: string; newName?: string; newTag?: string }[];
    };
    // The overlay's images: entry is the one place the image is named; the base leaves a bare name to match.
    const image = kustomization.images?.find((i) => i.name === 'tributary');
    const expected = image ? `${image.newName ?? image.name}:${image.newTag}` : 'tributary';
    for (const { service } of STAGES) {
      const container = containerOf(deploymentOf(service));
      expect(container.image).toBe(expected);
      expect(container.command).toEqual(['node', `services/${service}/src/main.ts`]);
      expect(existsSync(join(ROOT, `services/${service}/src/main.ts`))).toBe(true);
    }
  });

  it('gives each service only variables it reads, with values it accepts', () => {
    for (const { service, settings } of STAGES) {
      const env = environmentOf(deploymentOf(service));
      const known = new Set(Object.values(settings).map((setting) => setting.env));
      expect(
        Object.keys(env).filter((name) => !known.has(name)),
        `${service}: variables it does not read`,
      ).toEqual([]);
      expect(() => loadConfig(settings, env), service).not.toThrow();
    }
  });

  it('takes settings from ConfigMaps and the broker and database URLs from the connection Secret', () => {
    const secret = rendered().secrets.find((s) => s.metadata?.name === CONNECTIONS_SECRET);
    for (const { service, secrets } of STAGES) {
      const container = containerOf(deploymentOf(service));
      expect(container.envFrom?.length, `${service}: envFrom ConfigMaps`).toBeGreaterThan(0);
      const fromSecret = (container.env ?? []).filter((v) => v.valueFrom?.secretKeyRef);
      expect(fromSecret.map((v) => v.name).sort(), service).toEqual([...secrets].sort());
      for (const variable of fromSecret) {
        expect(variable.valueFrom?.secretKeyRef).toMatchObject({
          name: CONNECTIONS_SECRET,
          key: variable.name,
        });
        // Rendered here, or made in the cluster beforehand with the same keys (the example overlay).
        if (secret) expect(Object.keys(secret.data ?? {})).toContain(variable.name);
      }
    }
    for (const configMap of rendered().configMaps) {
      for (const name of Object.keys(configMap.data ?? {})) {
        expect(EXAMPLE_CONNECTIONS.has(name), `${name} in a ConfigMap`).toBe(false);
      }
    }
  });

  it('generates the connection Secret only as a fake placeholder, which an overlay leaves to the cluster', () => {
    const secret = rendered().secrets.find((s) => s.metadata?.name === CONNECTIONS_SECRET);
    if (dir !== 'base') {
      // Made in the cluster beforehand: an apply must not overwrite it with the placeholder.
      expect(secret).toBeUndefined();
      return;
    }
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual([...EXAMPLE_CONNECTIONS.keys()].sort());
    for (const [key, encoded] of Object.entries(secret?.data ?? {})) {
      const url = new URL(Buffer.from(encoded, 'base64').toString('utf8'));
      expect(url.hostname, key).toMatch(/\.example\.invalid$/);
      expect(url.password, key).toBe('CHANGE-ME');
    }
  });

  it('probes readiness on /readyz and liveness on /healthz, on the HTTP_PORT the service listens on', () => {
    for (const { service, settings } of STAGES) {
      const deployment = deploymentOf(service);
      const container = containerOf(deployment);
      const { httpPort } = loadConfig(settings, environmentOf(deployment)) as { httpPort: number };
      const http = container.ports?.find((p) => p.name === 'http');
      expect(http?.containerPort, service).toBe(httpPort);
      const portOf = (port: string | number | undefined) => (port === 'http' ? http?.containerPort : port);
      expect(container.readinessProbe?.httpGet?.path, service).toBe('/readyz');
      expect(portOf(container.readinessProbe?.httpGet?.port), service).toBe(httpPort);
      expect(container.livenessProbe?.httpGet?.path, service).toBe('/healthz');
      expect(portOf(container.livenessProbe?.httpGet?.port), service).toBe(httpPort);
    }
  });

  it('sets CPU and memory requests and limits, requests within limits', () => {
    for (const { service } of STAGES) {
      const { requests, limits } = containerOf(deploymentOf(service)).resources ?? {};
      expect(cpuCores(requests?.cpu), service).toBeLessThanOrEqual(cpuCores(limits?.cpu));
      expect(memoryBytes(requests?.memory), service).toBeLessThanOrEqual(memoryBytes(limits?.memory));
    }
  });

  it('gives the transformer the most CPU, and one worker process per CPU of its limit', () => {
    const transformer = containerOf(deploymentOf('transformer'));
    const limit = cpuCores(transformer.resources?.limits?.cpu);
    for (const service of ['fetcher', 'writer']) {
      expect(limit).toBeGreaterThan(cpuCores(containerOf(deploymentOf(service)).resources?.limits?.cpu));
    }
    // The downward API rounds a fractional limit up: whole CPUs, so that the workers do not outnumber them.
    expect(Number.isInteger(limit)).toBe(true);
    const workers = transformer.env?.find((v) => v.name === 'TRANSFORM_WORKERS');
    expect(workers?.valueFrom?.resourceFieldRef).toEqual({
      containerName: 'transformer',
      resource: 'limits.cpu',
      divisor: '1',
    });
  });

  it('lets each pod drain for SHUTDOWN_GRACE_MS before the kubelet kills it, with a margin of seconds', () => {
    for (const { service, settings } of STAGES) {
      const deployment = deploymentOf(service);
      const { shutdownGracePeriodMs } = loadConfig(settings, environmentOf(deployment)) as {
        shutdownGracePeriodMs: number;
      };
      const graceSeconds = deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      expect(graceSeconds, service).toBeGreaterThan(shutdownGracePeriodMs / 1000);
      expect(graceSeconds, service).toBeLessThanOrEqual(shutdownGracePeriodMs / 1000 + 15);
    }
  });

  it('has a PodDisruptionBudget per stage that selects that stage’s pods and no other’s', () => {
    expect(rendered().pdbs).toHaveLength(STAGES.length);
    for (const { service } of STAGES) {
      const labels = podLabels(deploymentOf(service));
      const budgets = rendered().pdbs.filter((pdb) => selects(pdb.spec?.selector, labels));
      expect(budgets, service).toHaveLength(1);
      const budget = budgets[0]?.spec;
      expect(budget?.maxUnavailable ?? budget?.minAvailable, service).toBeDefined();
      for (const other of STAGES.filter((s) => s.service !== service)) {
        expect(selects(budget?.selector, podLabels(deploymentOf(other.service))), other.service).toBe(false);
      }
    }
  });

  it('scales each stage with KEDA on the depth of its own input queue', () => {
    expect(rendered().scaledObjects).toHaveLength(STAGES.length);
    for (const { stage, service, settings } of STAGES) {
      const deployment = deploymentOf(service);
      const { topologyPrefix } = loadConfig(settings, environmentOf(deployment)) as {
        topologyPrefix: string;
      };
      const scaled = rendered().scaledObjects.filter(
        (s) => s.spec.scaleTargetRef.name === deployment.metadata?.name,
      );
      expect(scaled, service).toHaveLength(1);
      const spec = scaled[0]?.spec;
      expect(spec?.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
      expect(spec?.minReplicaCount, service).toBeGreaterThanOrEqual(1);
      expect(spec?.maxReplicaCount, service).toBeGreaterThanOrEqual(spec?.minReplicaCount ?? 1);
      expect(spec?.triggers, service).toHaveLength(1);
      const trigger = spec?.triggers[0];
      expect(trigger?.type).toBe('rabbitmq');
      expect(trigger?.metadata.queueName, service).toBe(topologyNames(topologyPrefix).stage(stage).queue);
      expect(trigger?.metadata.mode).toBe('QueueLength');
      expect(Number(trigger?.metadata.value), service).toBeGreaterThan(0);
      const auth = rendered().triggerAuthentications.find(
        (t) => t.metadata?.name === trigger?.authenticationRef?.name,
      );
      expect(auth, `${service}: its TriggerAuthentication`).toBeDefined();
    }
  });

  it('reads the broker URL for KEDA from the connection Secret', () => {
    expect(rendered().triggerAuthentications).toHaveLength(1);
    const [host] = rendered().triggerAuthentications[0]?.spec?.secretTargetRef ?? [];
    expect(host?.parameter).toBe('host');
    expect(host?.name).toBe(CONNECTIONS_SECRET);
    expect(EXAMPLE_CONNECTIONS.has(host?.key ?? '')).toBe(true);
  });

  it('announces /metrics on HTTP_PORT to annotation-based Prometheus scraping', () => {
    for (const { service } of STAGES) {
      const deployment = deploymentOf(service);
      const annotations = deployment.spec?.template.metadata?.annotations ?? {};
      expect(annotations, service).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': environmentOf(deployment).HTTP_PORT ?? '9464',
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it('runs every container as a non-root user that cannot escalate, on a read-only root filesystem', () => {
    for (const { service } of STAGES) {
      const pod = deploymentOf(service).spec?.template.spec;
      expect(pod?.automountServiceAccountToken, service).toBe(false);
      expect(pod?.securityContext?.runAsNonRoot, service).toBe(true);
      expect(pod?.securityContext?.runAsUser, service).toBeGreaterThan(0);
      expect(pod?.securityContext?.seccompProfile?.type, service).toBe('RuntimeDefault');
      const container = containerOf(deploymentOf(service)).securityContext;
      expect(container?.allowPrivilegeEscalation, service).toBe(false);
      expect(container?.readOnlyRootFilesystem, service).toBe(true);
      expect(container?.privileged ?? false, service).toBe(false);
      expect(container?.capabilities?.drop, service).toContain('ALL');
    }
  });

  it('keeps the Prometheus operator optional: a PodMonitor only where a component adds it', () => {
    if (dir === 'base') {
      expect(rendered().podMonitors).toEqual([]);
      return;
    }
    expect(rendered().podMonitors).toHaveLength(1);
    const monitor = rendered().podMonitors[0]?.spec;
    expect(monitor?.podMetricsEndpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics' }),
    ]);
    for (const { service } of STAGES) {
      expect(selects(monitor?.selector, podLabels(deploymentOf(service))), service).toBe(true);
    }
  });

  it('puts every object of an installation in one namespace', () => {
    const namespaces = new Set(
      rendered()
        .objects.filter((o) => o.kind !== 'Namespace')
        .map((o) => o.metadata.namespace),
    );
    expect(namespaces.size).toBe(1);
  });
});
