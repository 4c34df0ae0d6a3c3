// Renders a kustomize overlay without a kustomize binary and validates every object offline: against the official
// schemas (kubernetes-models, ajv) and for references between objects that no schema checks.
//   node check-kubernetes.mjs OVERLAY_DIR [--out FILE] [--compare KUSTOMIZE_OUTPUT]
// --out writes the rendered objects (multi-document YAML); --compare requires them to equal what a real kustomize
// rendered (kubectl kustomize), so the subset implemented here cannot drift from kustomize where both are available.
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import YAML from "yaml";

// Kustomization fields this renderer implements; any other field fails instead of being silently ignored.
const SUPPORTED_FIELDS = new Set(["apiVersion", "kind", "namespace", "resources", "images", "patches"]);
const CLUSTER_SCOPED = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
  "StorageClass", "PriorityClass"]);

function fail(message) {
  throw new Error(message);
}

function readDocuments(file) {
  return YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((document) => {
    if (document.errors.length > 0) {
      fail(`${file}: ${document.errors[0].message}`);
    }
    return document.toJS();
  }).filter((object) => object !== null);
}

function render(directory) {
  const file = path.join(directory, "kustomization.yaml");
  const [kustomization] = readDocuments(file);
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) {
      fail(`${file}: field '${field}' is not supported by this renderer (add it to check-kubernetes.mjs)`);
    }
  }
  const objects = [];
  for (const resource of kustomization.resources ?? []) {
    const target = path.join(directory, resource);
    objects.push(...(fs.statSync(target).isDirectory() ? render(target) : readDocuments(target)));
  }
  if (kustomization.namespace) {
    for (const object of objects.filter((o) => !CLUSTER_SCOPED.has(o.kind))) {
      object.metadata.namespace = kustomization.namespace;
    }
  }
  for (const image of kustomization.images ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      if (container.image.replace(/[:@].*$/, "") === image.name) {
        container.image = `${image.newName ?? image.name}:${image.newTag ?? "latest"}`;
      }
    }
  }
  for (const patch of kustomization.patches ?? []) {
    const patchFile = path.join(directory, patch.path ?? fail(`${file}: only patches from files are supported`));
    const operations = YAML.parse(fs.readFileSync(patchFile, "utf8"));
    if (!Array.isArray(operations)) {
      fail(`${patchFile}: only JSON 6902 patches (a list of operations) are supported, not strategic merge patches`);
    }
    const targets = objects.filter((o) => o.kind === patch.target?.kind && o.metadata.name === patch.target?.name);
    if (targets.length !== 1) {
      fail(`${patchFile}: target ${patch.target?.kind}/${patch.target?.name} matches ${targets.length} objects`);
    }
    for (const operation of operations) {
      applyOperation(targets[0], operation, patchFile);
    }
  }
  return objects;
}

function containersOf(object) {
  const pod = object.spec?.template?.spec ?? object.spec?.jobTemplate?.spec?.template?.spec;
  return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}

// JSON Patch (RFC 6902) add, replace and remove: the operations the overlays use.
function applyOperation(object, { op, path: pointer, value }, file) {
  const keys = pointer.split("/").slice(1).map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
  const last = keys.pop();
  let parent = object;
  for (const key of keys) {
    parent = parent?.[Array.isArray(parent) ? Number(key) : key];
  }
  if (parent === undefined || parent === null) {
    fail(`${file}: ${op} ${pointer}: the parent does not exist`);
  }
  const exists = Array.isArray(parent) ? Number(last) < parent.length : Object.hasOwn(parent, last);
  switch (op) {
    case "add":
      if (Array.isArray(parent)) {
        parent.splice(last === "-" ? parent.length : Number(last), 0, value);
      } else {
        parent[last] = value;
      }
      break;
    case "replace":
      if (!exists) {
        fail(`${file}: replace ${pointer}: nothing to replace`);
      }
      parent[Array.isArray(parent) ? Number(last) : last] = value;
      break;
    case "remove":
      if (!exists) {
        fail(`${file}: remove ${pointer}: nothing to remove`);
      }
      if (Array.isArray(parent)) {
        parent.splice(Number(last), 1);
      } else {
        delete parent[last];
      }
      break;
    default:
      fail(`${file}: operation '${op}' is not supported`);
  }
}

// Model modules by API group: the core group is "v1", custom resources come from their own packages.
async function modelClass({ apiVersion, kind }) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = group === "monitoring.coreos.com"
    ? await import(`@kubernetes-models/prometheus-operator/${group}/${version}`)
    : await import(group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`);
  return module[kind] ?? fail(`no schema for ${apiVersion} ${kind}`);
}

function podLabels(object) {
  return object.spec?.template?.metadata?.labels ?? {};
}

function selects(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

// What the schemas cannot see: a selector that selects nothing, a target or reference that does not exist.
function checkReferences(objects) {
  const errors = [];
  const named = (kind, name) => objects.some((o) => o.kind === kind && o.metadata.name === name);
  const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
  for (const workload of workloads) {
    if (!selects(workload.spec.selector.matchLabels, podLabels(workload))) {
      errors.push(`${workload.kind}/${workload.metadata.name}: selector does not match its pod template's labels`);
    }
  }
  for (const workload of [...workloads, ...objects.filter((o) => o.kind === "CronJob")]) {
    for (const container of containersOf(workload)) {
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef && !named("ConfigMap", source.configMapRef.name)) {
          errors.push(`${workload.kind}/${workload.metadata.name}: ConfigMap ${source.configMapRef.name} does not exist`);
        }
      }
    }
  }
  const portNames = (o) => containersOf(o).flatMap((c) => (c.ports ?? []).map((p) => p.name));
  for (const service of objects.filter((o) => o.kind === "Service")) {
    const backends = workloads.filter((w) => selects(service.spec.selector, podLabels(w)));
    if (backends.length === 0) {
      errors.push(`Service/${service.metadata.name}: selects no workload`);
    }
    for (const port of service.spec.ports.filter((p) => typeof p.targetPort === "string")) {
      if (!backends.some((w) => portNames(w).includes(port.targetPort))) {
        errors.push(`Service/${service.metadata.name}: target port '${port.targetPort}' is not a container port name`);
      }
    }
  }
  for (const budget of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    if (!workloads.some((w) => selects(budget.spec.selector.matchLabels, podLabels(w)))) {
      errors.push(`PodDisruptionBudget/${budget.metadata.name}: selects no workload`);
    }
  }
  for (const autoscaler of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const { kind, name } = autoscaler.spec.scaleTargetRef;
    if (!named(kind, name)) {
      errors.push(`HorizontalPodAutoscaler/${autoscaler.metadata.name}: target ${kind}/${name} does not exist`);
    }
    if (autoscaler.spec.minReplicas > autoscaler.spec.maxReplicas) {
      errors.push(`HorizontalPodAutoscaler/${autoscaler.metadata.name}: minReplicas above maxReplicas`);
    }
  }
  for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const services = objects.filter((o) => o.kind === "Service" && selects(monitor.spec.selector.matchLabels, o.metadata.labels ?? {}));
    for (const endpoint of monitor.spec.endpoints) {
      if (!services.some((s) => s.spec.ports.some((p) => p.name === endpoint.port))) {
        errors.push(`ServiceMonitor/${monitor.metadata.name}: no selected Service has a port named '${endpoint.port}'`);
      }
    }
  }
  return errors;
}

// A process' own bound on its stop, from the settings the pod gets, with the code's defaults: a silo's is
// Cluster:ShutdownTimeout (Silos/StreamAttention.Grains/Options/SiloClusterOptions.cs), the standalone ingest's the
// .NET host's own 30 s; either gets Ingest:DrainTimeout (Ingest/StreamAttention.Ingest/Options/KafkaIngestOptions.cs)
// on top where it runs the ingest, which drains first (Silos/StreamAttention.Server/Hosting/IngestDrainShutdown.cs).
// StopGracePeriodTests fails when these differ from the code's defaults.
const DEFAULT_SHUTDOWN_SECONDS = 30;
const HOST_SHUTDOWN_SECONDS = 30;
const DEFAULT_DRAIN_SECONDS = 30;
// What the kubelet needs beyond the process' own bound to see it exit.
const EXIT_MARGIN_SECONDS = 5;

function seconds(timeSpan) {
  const match = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(timeSpan) ?? fail(`'${timeSpan}' is not a TimeSpan (d.hh:mm:ss)`);
  return Number(match[1] ?? 0) * 86400 + Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
}

function settingsOf(container, objects) {
  const settings = {};
  for (const source of container.envFrom ?? []) {
    const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === source.configMapRef?.name);
    Object.assign(settings, map?.data ?? {});
  }
  for (const variable of container.env ?? []) {
    settings[variable.name] = variable.value;
  }
  return settings;
}

// A silo stops serving HTTP as soon as it is sent SIGTERM, while the Service's endpoints (and an ingress' backends)
// drop a terminating pod only some time after: without a preStop pause, requests and reconnecting live streams still
// routed there are refused. The pause and the process' own stop must both fit the grace period, or the kubelet kills
// a silo before it has left the cluster, or the ingest before it has committed what it drained.
function checkStops(objects) {
  const errors = [];
  for (const workload of objects.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind))) {
    const pod = workload.spec.template.spec;
    for (const container of pod.containers.filter((c) => ["silo", "ingest"].includes(c.args?.[0]))) {
      const at = `${workload.kind}/${workload.metadata.name}: container ${container.name}`;
      const silo = container.args[0] === "silo";
      const pause = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      if (silo && pause === 0) {
        errors.push(`${at}: no preStop sleep, so the Service routes requests to the silo after it stopped serving them`);
        continue;
      }
      const settings = settingsOf(container, objects);
      const setting = (name, fallback) => (settings[name] === undefined ? fallback : seconds(settings[name]));
      const ingest = !silo || settings.STREAMATTENTION_Ingest__Enabled?.toLowerCase() === "true";
      const own = silo ? setting("STREAMATTENTION_Cluster__ShutdownTimeout", DEFAULT_SHUTDOWN_SECONDS) : HOST_SHUTDOWN_SECONDS;
      const stop = own + (ingest ? setting("STREAMATTENTION_Ingest__DrainTimeout", DEFAULT_DRAIN_SECONDS) : 0);
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      if (grace < pause + stop + EXIT_MARGIN_SECONDS) {
        const parts = `${silo ? "Cluster:ShutdownTimeout" : "the host's 30 s"}${ingest ? " plus Ingest:DrainTimeout" : ""}`;
        errors.push(`${at}: terminationGracePeriodSeconds ${grace} is below its preStop sleep (${pause} s) plus its own stop bound `
          + `(${stop} s: ${parts}) plus ${EXIT_MARGIN_SECONDS} s: the kubelet would kill it mid-stop`);
      }
    }
  }
  return errors;
}

function key(object) {
  return `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

const [overlay, ...options] = process.argv.slice(2);
if (!overlay) {
  fail("usage: check-kubernetes.mjs OVERLAY_DIR [--out FILE] [--compare KUSTOMIZE_OUTPUT]");
}
const option = (name) => {
  const index = options.indexOf(name);
  return index < 0 ? undefined : options[index + 1];
};
const objects = render(overlay);
const errors = [];
for (const object of objects) {
  try {
    new (await modelClass(object))(object).validate();
  } catch (error) {
    errors.push(`${key(object)}: ${error.message}`);
  }
}
errors.push(...checkReferences(objects));
errors.push(...checkStops(objects));
const compareWith = option("--compare");
if (compareWith) {
  const expected = new Map(readDocuments(compareWith).map((o) => [key(o), o]));
  const actual = new Map(objects.map((o) => [key(o), o]));
  for (const name of new Set([...expected.keys(), ...actual.keys()])) {
    if (!isDeepStrictEqual(expected.get(name), actual.get(name))) {
      errors.push(`${name}: differs from kustomize's rendering`);
    }
  }
}
const out = option("--out");
if (out) {
  fs.writeFileSync(out, objects.map((o) => YAML.stringify(o)).join("---\n"));
}
if (errors.length > 0) {
  console.error(errors.map((e) => `${overlay}: ${e}`).join("\n"));
  process.exit(1);
}
console.log(`${overlay}: ${objects.length} objects valid`);
