import fs from 'node:fs';
import path from 'node:path';
import client from 'prom-client';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/ops/metrics';

/**
 * Grafana cannot run here (no Docker engine) and promtool (deploy/checks/prometheus.sh) checks
 * the rules but not the dashboard, so this checks what can go wrong without either: every metric
 * the rules and the dashboard name is one the processor exports, the dashboard's structure is
 * what Grafana needs to show each panel with the chosen data source, every alert is documented
 * and unit-tested both ways, and the provisioning points where docker-compose.yml mounts it.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');


interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[] | null;
}
interface RuleTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertCase[] }[];
}
interface Datasource {
  type?: string;
  uid?: string;
}
interface Target {
  refId?: string;
  expr?: string;
  datasource?: Datasource;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: Datasource;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  query?: unknown;
  datasource?: Datasource;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Variable[] };
  panels: Panel[];
}
interface ComposeService {
  image: string;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

const rules = (parse(read('deploy/prometheus/alerts.yml')) as RuleFile).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const ruleTests = parse(read('deploy/prometheus/alerts.test.yml')) as RuleTests;
const dashboardText = read('deploy/grafana/scorestream.json');
const dashboard = JSON.parse(dashboardText) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const graphPanels = panels.filter((p) => p.type !== 'row');
const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };

const METRIC_NAME = /scorestream_[a-z0-9_]+/g;
const names = (text: string): string[] => [...new Set(text.match(METRIC_NAME) ?? [])];

/** The names a scrape of the processor's /metrics can show, with the suffixes of each type. */
async function exportedNames(): Promise<Set<string>> {
  const registry = new client.Registry();
  createMetrics(registry);
  const metrics = await registry.getMetricsAsJSON();
  registry.clear();
  const suffixes: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };
  return new Set(metrics.flatMap((m) => (suffixes[String(m.type)] ?? ['']).map((s) => `${m.name}${s}`)));
}

describe('metric names in deploy/prometheus/alerts.yml and deploy/grafana/scorestream.json', () => {
  it('are all exported by the processor, with the suffixes a scrape shows', async () => {
    const exported = await exportedNames();
    const used = new Map([
      ['alerts.yml', names(read('deploy/prometheus/alerts.yml'))],
      ['scorestream.json', names(dashboardText)],
    ]);
    for (const [file, list] of used) {
      expect(list.length).toBeGreaterThan(10);
      expect({ file, unknown: list.filter((n) => !exported.has(n)) }).toEqual({ file, unknown: [] });
    }
  });

  it('leave recording rules apart: none has a name a scrape could show', () => {
    const recorded = rules.flatMap((r) => (r.record ? [r.record] : []));
    expect(recorded.length).toBeGreaterThan(0);
    for (const name of recorded) expect(name).toMatch(/^scorestream:[a-z0-9_]+:[a-z0-9_]+$/);
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  it('gives every alert a severity, a summary, a description and the README runbook', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(12);
    for (const a of alerts) {
      expect({ alert: a.alert, severity: a.labels?.severity }).toEqual({ alert: a.alert, severity: expect.stringMatching(/^(critical|warning)$/) });
      expect(a.annotations?.summary).toEqual(expect.any(String));
      expect(a.annotations?.description).toEqual(expect.any(String));
      expect(a.annotations?.runbook).toBe('README.md#operating-scorestream');
    }
  });

  it('has, in alerts.test.yml, a case where each alert fires and one where it must not', () => {
    expect(ruleTests.rule_files).toEqual(['alerts.yml']);
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const own = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: own.some((c) => (c.exp_alerts ?? []).length > 0), silent: own.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, fires: true, silent: true });
    }
    const known = new Set(alerts.map((a) => a.alert));
    for (const c of cases) expect(known.has(c.alertname)).toBe(true);
  });
});

describe('deploy/grafana/scorestream.json', () => {
  it('has a prometheus datasource variable and job and instance variables that use it', () => {
    expect(dashboard.uid).toBe('scorestream');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['job', 'instance']) expect(vars.get(name)).toMatchObject({ type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' } });
  });

  it('gives every panel the datasource variable and queries with an expression, filtered by job and instance', () => {
    expect(graphPanels.length).toBeGreaterThanOrEqual(15);
    for (const p of graphPanels) {
      const where = `panel ${p.id} "${p.title}"`;
      expect({ where, datasource: p.datasource }).toEqual({ where, datasource: { type: 'prometheus', uid: '${datasource}' } });
      const targets = p.targets ?? [];
      expect({ where, targets: targets.length > 0 }).toEqual({ where, targets: true });
      const refIds = targets.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of targets) {
        expect({ where, datasource: t.datasource }).toEqual({ where, datasource: { type: 'prometheus', uid: '${datasource}' } });
        expect({ where, expr: t.expr?.trim() ?? '' }).toEqual({ where, expr: expect.stringMatching(/\S/) });
        for (const selector of (t.expr ?? '').match(/scorestream_[a-z0-9_]+\{[^}]*\}/g) ?? []) expect(selector).toContain('job=~"$job", instance=~"$instance"');
        expect({ where, unfiltered: (t.expr ?? '').match(/scorestream_[a-z0-9_]+(?![a-z0-9_{])/g) ?? [] }).toEqual({ where, unfiltered: [] });
      }
    }
  });

  it('has unique panel ids and a layout within 24 columns, without overlaps', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { id, gridPos: g } of panels) {
      expect({ id, ok: Number.isInteger(g.x) && Number.isInteger(g.y) && g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24 }).toEqual({ id, ok: true });
    }
    const overlap = (a: Panel['gridPos'], b: Panel['gridPos']): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    for (const [i, a] of panels.entries()) for (const b of panels.slice(i + 1)) expect({ a: a.id, b: b.id, overlap: overlap(a.gridPos, b.gridPos) }).toEqual({ a: a.id, b: b.id, overlap: false });
  });
});

describe('the Grafana and Prometheus services of docker-compose.yml', () => {
  const grafana = compose.services.grafana as ComposeService;
  const prometheus = compose.services.prometheus as ComposeService;

  it('pins Grafana, mounts its provisioning and the dashboard read-only, and starts after Prometheus', () => {
    expect(grafana.image).toMatch(/^grafana\/grafana-oss:\d+\.\d+\.\d+$/);
    const mounts = new Map((grafana.volumes ?? []).map((v) => v.split(':')).map(([from, to, mode]) => [from, { to, mode }]));
    for (const [, m] of mounts) expect(m.mode).toBe('ro');
    expect(mounts.get('./deploy/grafana/scorestream.json')?.to).toBe('/etc/grafana/dashboards/scorestream.json');
    expect(mounts.get('./deploy/grafana/provisioning/datasources')?.to).toBe('/etc/grafana/provisioning/datasources');
    expect(mounts.get('./deploy/grafana/provisioning/dashboards')?.to).toBe('/etc/grafana/provisioning/dashboards');
    const dependsOn = Array.isArray(grafana.depends_on) ? grafana.depends_on : Object.keys(grafana.depends_on ?? {});
    expect(dependsOn).toContain('prometheus');
  });

  it('provisions the compose Prometheus as data source and loads the dashboard from where it is mounted', () => {
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { type: string; url: string }[] };
    const containerPort = (prometheus.ports ?? [])[0]?.split(':').at(-1);
    expect(ds.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: `http://prometheus:${containerPort}` })]);
    const providers = parse(read('deploy/grafana/provisioning/dashboards/scorestream.yml')) as { providers: { type: string; options: { path: string } }[] };
    expect(providers.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/etc/grafana/dashboards' }) })]);
  });

  it('gives Prometheus the rule file next to its configuration, as rule_files names it', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as { rule_files: string[] };
    expect(config.rule_files).toEqual(['alerts.yml']);
    expect(prometheus.volumes).toContain('./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    expect(prometheus.volumes).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });
});
