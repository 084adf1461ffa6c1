/**
 * Writes the JSON schemas deploy/checks/kubernetes.sh validates the manifests against, for exactly
 * the kinds deploy/k8s uses, in kubeconform's layout (<dir>/v<k8s>-standalone-strict/<kind>-<group>-<version>.json),
 * from sources pinned here and fetched as Go modules (so only the Go module proxy is needed):
 * the Kubernetes OpenAPI v3 spec (k8s.io/kubernetes, api/openapi-spec/v3) and the CRDs of KEDA and
 * the Prometheus Operator. Like kubeconform's openapi2jsonschema, each schema is standalone ($refs
 * inlined) and strict (additionalProperties: false wherever an object lists its properties, except
 * where the API keeps unknown fields), so that a misspelt field fails. Descriptions, defaults and
 * OpenAPI-only keywords are dropped: they validate nothing and would triple the files' size.
 *
 * usage: npx tsx deploy/k8s/schemas/generate.ts   (see README.md beside this file)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const KUBERNETES_VERSION = '1.34.4';
const KUBERNETES = { module: 'k8s.io/kubernetes', version: `v${KUBERNETES_VERSION}` };
const KEDA = { module: 'github.com/kedacore/keda/v2', version: 'v2.21.0' };
const PROMETHEUS_OPERATOR = { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0' };

/** Built-in kinds: the OpenAPI v3 file of their group version, and the kinds taken from it. */
const BUILT_IN: readonly { file: string; kinds: readonly string[] }[] = [
  { file: 'api__v1_openapi.json', kinds: ['ConfigMap', 'Secret', 'Service', 'ServiceAccount'] },
  { file: 'apis__apps__v1_openapi.json', kinds: ['StatefulSet'] },
  { file: 'apis__policy__v1_openapi.json', kinds: ['PodDisruptionBudget'] },
];

/** Custom resources: the CRD file in its module, and the versions taken from it. */
const CRDS: readonly { source: { module: string; version: string }; file: string; versions: readonly string[] }[] = [
  { source: KEDA, file: 'config/crd/bases/keda.sh_scaledobjects.yaml', versions: ['v1alpha1'] },
  { source: KEDA, file: 'config/crd/bases/keda.sh_triggerauthentications.yaml', versions: ['v1alpha1'] },
  { source: PROMETHEUS_OPERATOR, file: 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml', versions: ['v1'] },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The module's directory in the Go module cache, downloading it through the proxy if needed. */
function moduleDir(m: { module: string; version: string }): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${m.module}@${m.version}`], { encoding: 'utf8', cwd: __dirname });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** Keywords of JSON Schema kept; everything else (descriptions, defaults, x-kubernetes-*) goes. */
const KEEP = new Set(['type', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'oneOf', 'anyOf', 'allOf', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties']);

/**
 * One schema made standalone and strict. `resolve` gives the target of a $ref (built-in kinds);
 * `stack` guards against recursive types, which none of the kinds used has.
 */
function convert(schema: JsonObject, resolve: (ref: string) => JsonObject, stack: readonly string[] = []): JsonObject {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    if (stack.includes(ref)) throw new Error(`recursive schema ${ref}`);
    return convert(resolve(ref), resolve, [...stack, ref]);
  }
  // The v3 spec wraps a $ref in allOf to attach a description or default to it.
  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0]) && Object.keys(schema).every((k) => k === 'allOf' || !KEEP.has(k))) {
    return convert(allOf[0], resolve, stack);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KEEP.has(key)) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, isObject(s) ? convert(s, resolve, stack) : s]));
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = convert(value, resolve, stack);
    } else if ((key === 'oneOf' || key === 'anyOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((s) => (isObject(s) ? convert(s, resolve, stack) : s));
    } else {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true && out.anyOf === undefined && out.oneOf === undefined) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    delete out.type;
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(out.properties) && out.additionalProperties === undefined && !open) out.additionalProperties = false;
  return out;
}

/** apiVersion and kind fixed to the one kind the schema is for, as kubeconform's schemas do. */
function pinKind(schema: JsonObject, apiVersion: string, kind: string, metadata: JsonObject): JsonObject {
  const properties = isObject(schema.properties) ? schema.properties : {};
  // A CRD's schema leaves metadata open; the API server checks it as ObjectMeta, so do the same.
  return {
    ...schema,
    properties: { ...properties, apiVersion: { type: 'string', enum: [apiVersion] }, kind: { type: 'string', enum: [kind] }, metadata },
    required: [...new Set([...(Array.isArray(schema.required) ? schema.required : []), 'apiVersion', 'kind'])],
  };
}

function fileName(kind: string, group: string, version: string): string {
  return `${kind.toLowerCase()}-${group === '' ? '' : `${group.split('.')[0] as string}-`}${version}.json`;
}

function main(): void {
  const out = path.join(__dirname, `v${KUBERNETES_VERSION}-standalone-strict`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const specDir = path.join(moduleDir(KUBERNETES), 'api', 'openapi-spec', 'v3');
  let objectMeta: JsonObject | undefined;
  const write = (name: string, schema: JsonObject): void => {
    fs.writeFileSync(path.join(out, name), `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema }, null, 1)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(out, name))}\n`);
  };

  for (const { file, kinds } of BUILT_IN) {
    const spec = JSON.parse(fs.readFileSync(path.join(specDir, file), 'utf8')) as { components: { schemas: Record<string, JsonObject> } };
    const schemas = spec.components.schemas;
    const resolve = (ref: string): JsonObject => {
      const target = schemas[ref.replace('#/components/schemas/', '')];
      if (target === undefined) throw new Error(`${file}: no schema ${ref}`);
      return target;
    };
    objectMeta ??= convert({ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, resolve);
    for (const kind of kinds) {
      const found = Object.values(schemas).find((s) => {
        const gvks = s['x-kubernetes-group-version-kind'];
        return Array.isArray(gvks) && gvks.some((g) => isObject(g) && g.kind === kind);
      });
      const gvk = (found?.['x-kubernetes-group-version-kind'] as JsonObject[] | undefined)?.find((g) => g.kind === kind);
      if (found === undefined || gvk === undefined) throw new Error(`${file}: no kind ${kind}`);
      const group = String(gvk.group);
      const version = String(gvk.version);
      write(fileName(kind, group, version), pinKind(convert(found, resolve), group === '' ? version : `${group}/${version}`, kind, objectMeta));
    }
  }

  for (const { source, file, versions } of CRDS) {
    const crd = parse(fs.readFileSync(path.join(moduleDir(source), file), 'utf8')) as {
      spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: JsonObject } }[] };
    };
    for (const version of versions) {
      const v = crd.spec.versions.find((x) => x.name === version);
      if (v === undefined) throw new Error(`${file}: no version ${version}`);
      const noRefs = (ref: string): JsonObject => {
        throw new Error(`${file}: unexpected $ref ${ref}`);
      };
      const { group, names } = crd.spec;
      write(fileName(names.kind, group, version), pinKind(convert(v.schema.openAPIV3Schema, noRefs), `${group}/${version}`, names.kind, objectMeta as JsonObject));
    }
  }
}

main();
