import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { DockerfileParser } from 'dockerfile-ast';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

/**
 * The deployment files, checked without a container engine or a cluster: the Dockerfile's syntax
 * and targets, the compose file against the Compose Specification's schema, the Helm chart linted
 * and rendered by Helm, every rendered object validated against the Kubernetes API's schemas (strict:
 * an unknown field fails), and everywhere, that each app is given only variables it reads (its
 * `--help` lists them) and that the images, ports and names refer to things that exist.
 */
const root = join(__dirname, '../..');
const deploy = join(root, 'deploy');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The apps (the `type:app` projects), by directory name: each one is an image target. */
const apps = readdirSync(join(root, 'apps')).filter((name) => {
  const manifest = join(root, 'apps', name, 'package.json');
  return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { nx?: { tags?: string[] } }).nx?.tags?.includes('type:app');
});

/** The variables an app reads, from its own `--help` (the built app: this project's test depends on every app's build). */
const helpCache = new Map<string, Set<string>>();
function variablesOf(app: string): Set<string> {
  let names = helpCache.get(app);
  if (!names) {
    const help = execFileSync(process.execPath, [join(root, 'apps', app, 'dist/main.js'), '--help'], { encoding: 'utf8', cwd: root });
    names = new Set([...help.matchAll(/^ {2}([A-Z][A-Z0-9_]+)\s/gm)].map((match) => match[1] as string));
    helpCache.set(app, names);
  }
  return names;
}
/** Read by the AWS SDK itself (credentials), not by the apps' config. */
const AWS_SDK_VARIABLES = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']);
function unknownVariables(app: string, names: Iterable<string>): string[] {
  const known = variablesOf(app);
  return [...names].filter((name) => !known.has(name) && !AWS_SDK_VARIABLES.has(name));
}

/** The deploy checks' tools, installed by `tools/stack/stack.sh install` into .stack/bin. */
const stackBin = join(root, '.stack/bin');
function tool(name: string): string {
  const path = join(stackBin, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`bash tools/stack/stack.sh install\` (it installs the deploy checks' tools)`);
  return path;
}
const run = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });

// ---------------------------------------------------------------------------------------------
const dockerfilePath = 'deploy/docker/Dockerfile';
const dockerfileText = read(dockerfilePath);
const dockerfile = DockerfileParser.parse(dockerfileText);

interface Stage {
  name: string;
  base: string;
  instructions: Array<{ keyword: string; args: string[]; flags: string[] }>;
}
/** The Dockerfile's stages in order, each with its instructions. */
const stages: Stage[] = (() => {
  const result: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((argument) => argument.getValue());
    if (keyword === 'FROM') {
      const asIndex = args.findIndex((arg) => arg.toUpperCase() === 'AS');
      result.push({ name: asIndex >= 0 ? (args[asIndex + 1] as string) : String(result.length), base: args[0] as string, instructions: [] });
      continue;
    }
    const flags = 'getFlags' in instruction ? (instruction as unknown as { getFlags(): Array<{ toString(): string }> }).getFlags().map(String) : [];
    result.at(-1)?.instructions.push({ keyword, args, flags });
  }
  return result;
})();
const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
/** A stage and the stages it is built FROM, nearest first. */
function lineage(name: string): Stage[] {
  const chain: Stage[] = [];
  for (let stage = stageNamed(name); stage; stage = stageNamed(stage.base)) chain.push(stage);
  return chain;
}
const lastOf = (name: string, keyword: string) =>
  lineage(name)
    .flatMap((stage) => [...stage.instructions].reverse())
    .find((instruction) => instruction.keyword === keyword);

describe('deploy/docker/Dockerfile', () => {
  it('parses without a problem', () => {
    const problems = validateDockerfile(dockerfileText).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('has a target per app, and migrate', () => {
    expect(apps.length).toBeGreaterThanOrEqual(6);
    for (const app of [...apps, 'migrate']) expect({ app, stage: stageNamed(app)?.name }).toEqual({ app, stage: app });
  });

  it('builds on a slim Node image of the .nvmrc major', () => {
    const nodeImage = dockerfile
      .getARGs()
      .find((arg) => arg.getProperty()?.getName() === 'NODE_IMAGE')
      ?.getProperty()
      ?.getValue();
    const major = read('.nvmrc').trim().split('.')[0];
    expect(nodeImage).toMatch(new RegExp(`^node:${major}(\\.[0-9.]+)?-[a-z]+-slim$`));
    for (const app of apps) expect({ app, base: lineage(app).at(-1)?.base }).toEqual({ app, base: '${NODE_IMAGE}' });
  });

  it('runs every target as a non-root user', () => {
    for (const app of [...apps, 'migrate']) {
      const user = lastOf(app, 'USER')?.args[0];
      expect({ app, nonRoot: user !== undefined && !['root', '0'].includes(user.split(':')[0] as string) }).toEqual({ app, nonRoot: true });
    }
  });

  it('starts each app from a file its build produces, in exec form', () => {
    for (const app of apps) {
      const cmd = lastOf(app, 'CMD');
      expect({ app, exec: cmd?.args[0]?.startsWith('[') }).toEqual({ app, exec: true });
      const command = JSON.parse(cmd?.args.join(' ') ?? '[]') as string[];
      const file = command.find((part) => part.startsWith('apps/'));
      expect({ app, file }).toEqual({ app, file: expect.stringMatching(new RegExp(`^apps/${app}/`)) });
      expect({ app, file, exists: existsSync(join(root, file as string)) }).toEqual({ app, file, exists: true });
    }
  });

  it('copies only what exists in the build context and is not ignored', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const required of ['**/node_modules', '**/dist', '.stack', '.git']) expect(ignored).toContain(required);
    const sources = stages.flatMap((stage) =>
      stage.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.some((flag) => flag.startsWith('--from'))).flatMap((i) => i.args.slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored.includes(source) }).toEqual({ source, ignored: false });
    }
  });
});

// ---------------------------------------------------------------------------------------------
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
const composeText = read('deploy/compose.yaml');
const compose = parseYaml(composeText, { merge: true }) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification (its JSON schema, strict)', () => {
    expect(run(tool('check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', join(deploy, 'compose.yaml')])).toMatch(/ok -- validation done/);
  });

  it('runs every app from its Dockerfile target', () => {
    const targets = Object.values(compose.services).flatMap((service) => (service.build ? [service.build] : []));
    for (const app of [...apps, 'migrate']) expect(targets).toContainEqual({ context: '..', dockerfile: dockerfilePath, target: app });
    for (const target of targets) expect(stageNamed(target.target as string)?.name).toBe(target.target);
  });

  it('depends only on services and volumes it defines', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect({ name, dependency, defined: dependency in compose.services }).toEqual({ name, dependency, defined: true });
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect({ name, volume: source, defined: source in (compose.volumes ?? {}) }).toEqual({ name, volume: source, defined: true });
      }
    }
  });

  it('gives each app only variables it reads, and the ones it needs', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const app = service.build?.target;
      if (!app || !apps.includes(app)) continue;
      const names = Object.keys(service.environment ?? {});
      expect({ app, unknown: unknownVariables(app, names) }).toEqual({ app, unknown: [] });
      if (name !== 'mock-enrichment') expect({ app, keyProvider: service.environment?.CODEC_KEY_PROVIDER }).toEqual({ app, keyProvider: 'aws-kms' });
    }
    for (const app of ['worker', 'api-gateway']) {
      expect(compose.services[app]?.environment).toEqual(expect.objectContaining({ DATABASE_URL: expect.any(String), BLOB_S3_BUCKET: 'enrich-uploads' }));
    }
  });
});

// ---------------------------------------------------------------------------------------------
const chart = join(deploy, 'helm/enrichment');
const valueFiles = { defaults: [] as string[], production: [join(deploy, 'helm/values-production.yaml')] };
const KUBERNETES_VERSION = '1.33.0';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: { httpGet: { port: string } };
  readinessProbe?: { httpGet: { port: string } };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}
const podTemplate = (object: KubeObject) =>
  ((object.kind === 'Deployment' || object.kind === 'Job') && (object.spec as { template: PodTemplate }).template) || undefined;

describe.each(Object.entries(valueFiles))('deploy/helm/enrichment with %s values', (label, files) => {
  const valuesArgs = files.flatMap((file) => ['-f', file]);
  let objects: KubeObject[];

  beforeAll(() => {
    const rendered = run(tool('helm'), ['template', 'enrich', chart, '--namespace', 'enrich', ...valuesArgs]);
    objects = parseAllDocuments(rendered)
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object !== null);
  });

  it('passes helm lint --strict', () => {
    expect(run(tool('helm'), ['lint', '--strict', chart, ...valuesArgs])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("renders objects the Kubernetes API accepts (strict schemas; KEDA's with its models)", () => {
    expect(objects.length).toBeGreaterThan(5);
    const core = objects.filter((object) => !object.apiVersion.startsWith('keda.sh/'));
    const documents = core.map((object) => JSON.stringify(object)).join('\n---\n');
    // kubernetes-validate reads the files named; JSON is YAML.
    const file = join(tmpdir(), `enrich-chart-${process.pid}-${label}.yaml`);
    writeFileSync(file, documents);
    try {
      run(tool('kubernetes-validate'), ['--strict', '--quiet', '-k', KUBERNETES_VERSION, file]);
    } catch (error) {
      const { stdout, stderr } = error as { stdout: string; stderr: string };
      throw new Error(`kubernetes-validate rejected the rendered chart:\n${stdout}${stderr}`);
    } finally {
      rmSync(file, { force: true });
    }
    const keda = objects.filter((object) => object.apiVersion.startsWith('keda.sh/'));
    const kedaCheck = spawnSync(process.execPath, [join(__dirname, 'validate-keda.mjs')], { input: JSON.stringify(keda), encoding: 'utf8', cwd: root });
    expect({ status: kedaCheck.status, problems: kedaCheck.stdout + kedaCheck.stderr }).toEqual({ status: 0, problems: '' });
  });

  it('runs each app from its image target with only variables it reads, and probes ports it opens', () => {
    for (const object of objects) {
      const template = podTemplate(object);
      if (!template) continue;
      for (const container of template.spec.containers) {
        const target = container.image
          .replace(/:[^:]+$/, '')
          .split('/')
          .at(-1) as string;
        expect({ object: object.metadata.name, target, stage: stageNamed(target)?.name }).toEqual({ object: object.metadata.name, target, stage: target });
        if (apps.includes(target)) {
          expect({
            app: target,
            unknown: unknownVariables(
              target,
              (container.env ?? []).map((e) => e.name),
            ),
          }).toEqual({ app: target, unknown: [] });
        }
        const ports = new Set((container.ports ?? []).map((port) => port.name));
        for (const probe of [container.livenessProbe, container.readinessProbe].filter(Boolean)) expect(ports).toContain(probe?.httpGet.port);
      }
    }
  });

  it('points services and the autoscaler at workloads it renders', () => {
    const deployments = objects.filter((object) => object.kind === 'Deployment');
    for (const service of objects.filter((object) => object.kind === 'Service' || object.kind === 'PodDisruptionBudget')) {
      const selector =
        service.kind === 'Service'
          ? (service.spec as { selector: Record<string, string> }).selector
          : (service.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const matches = deployments.filter((deployment) => {
        const labels = podTemplate(deployment)?.metadata.labels ?? {};
        return Object.entries(selector).every(([key, value]) => labels[key] === value);
      });
      expect({ object: `${service.kind}/${service.metadata.name}`, matches: matches.length }).toEqual({
        object: `${service.kind}/${service.metadata.name}`,
        matches: 1,
      });
    }
    for (const scaled of objects.filter((object) => object.kind === 'ScaledObject')) {
      const target = (scaled.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
      const deployment = deployments.find((d) => d.metadata.name === target);
      expect(deployment?.metadata.name).toBe(target);
      // The autoscaler owns the replica count: the Deployment must not reset it at each upgrade.
      expect((deployment?.spec as { replicas?: number }).replicas).toBeUndefined();
    }
  });
});

describe('deploy/helm/enrichment refusals', () => {
  it('refuses to render a codec server without authentication', () => {
    expect(() => run(tool('helm'), ['template', 'enrich', chart, '--set', 'codecServer.auth.tokensSecret=', '--set', 'codecServer.auth.jwksUrl='])).toThrow(
      /codec server decrypts data and never starts open/,
    );
  });

  it('refuses to render without a bucket for the uploads', () => {
    expect(() => run(tool('helm'), ['template', 'enrich', chart, '--set', 'blobStore.s3Bucket='])).toThrow(/blobStore.s3Bucket is required/);
  });
});
