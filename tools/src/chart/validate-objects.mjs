// Validates Kubernetes objects against the API's OpenAPI schemas, offline: the schemas
// ship in the kubernetes-models npm packages (core API, Prometheus operator, Strimzi).
// Those packages are ES modules only, so this runs as its own Node process (the Jest
// specs are CommonJS): a JSON array of objects on stdin, a JSON array of
// { kind, name, error } on stdout, one per object, error null when valid.
import { readFileSync } from 'node:fs';

const PACKAGES = [
  [/^monitoring\.coreos\.com\//, '@kubernetes-models/prometheus-operator'],
  [/^(kafka|core)\.strimzi\.io\//, '@kubernetes-models/strimzi-kafka-operator'],
  [/^/, 'kubernetes-models'],
];

/** The model class of an object's apiVersion and kind, or undefined when none ships. */
async function modelOf(apiVersion, kind) {
  const [, pkg] = PACKAGES.find(([pattern]) => pattern.test(apiVersion));
  try {
    const module = await import(`${pkg}/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

async function check(object) {
  const { apiVersion, kind } = object ?? {};
  const name = object?.metadata?.name ?? '(no name)';
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { kind: String(kind), name, error: 'no apiVersion and kind' };
  }
  const Model = await modelOf(apiVersion, kind);
  if (Model === undefined) return { kind, name, error: `no schema for ${apiVersion} ${kind}` };
  try {
    new Model(object).validate();
    return { kind, name, error: null };
  } catch (error) {
    return { kind, name, error: error instanceof Error ? error.message : String(error) };
  }
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = await Promise.all(objects.map(check));
process.stdout.write(JSON.stringify(results));
