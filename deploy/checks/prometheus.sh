#!/usr/bin/env bash
# Checks the Prometheus configuration and alert rules with promtool, built from the pinned module in
# deploy/tools/promtool (Prometheus v3.5.0, the version docker-compose.yml runs; the first build
# takes about 10 minutes on 2 cores, later ones seconds): the rules parse and their expressions
# are valid PromQL, prometheus.yml is valid and loads them, and the unit tests in
# alerts.test.yml pass (each alert fires where it should, with its labels and annotations, and
# stays silent where it should), and the queries of deploy/grafana/scorestream.json parse. The
# metric names they use are checked against the processor's by test/unit/deploy/monitoring.test.ts.
# usage: deploy/checks/prometheus.sh   (from any directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/deploy/tools/build.sh" promtool || { echo "prometheus: building promtool failed (deploy/tools/build.sh promtool)" >&2; exit 1; }
promtool="$root/.tools/bin/promtool"
cd "$root/deploy/prometheus"
"$promtool" check rules alerts.yml || { echo "prometheus: deploy/prometheus/alerts.yml is not valid (above)" >&2; exit 1; }
# rule_files are resolved next to prometheus.yml, as in the container (/etc/prometheus).
"$promtool" check config prometheus.yml || { echo "prometheus: deploy/prometheus/prometheus.yml is not valid (above)" >&2; exit 1; }
"$promtool" test rules alerts.test.yml || { echo "prometheus: the alert rule tests in deploy/prometheus/alerts.test.yml fail (above)" >&2; exit 1; }

# The dashboard's queries are PromQL too: each one, its Grafana variables given a value, becomes a
# recording rule that promtool parses.
queries=$(mktemp --suffix=.yml)
trap 'rm -f "$queries"' EXIT
node - "$root/deploy/grafana/scorestream.json" > "$queries" <<'JS'
const dashboard = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const rules = panels.flatMap((p) => (p.targets ?? []).map((t) => ({
  record: `dashboard:panel_${p.id}:${t.refId}`,
  expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$instance', '.*'),
})));
if (rules.length === 0) throw new Error('no queries in the dashboard');
console.log(JSON.stringify({ groups: [{ name: 'dashboard', rules }] }, null, 1));
JS
"$promtool" check rules "$queries" >/dev/null || { "$promtool" check rules "$queries" >&2 || true; echo "prometheus: a query of deploy/grafana/scorestream.json is not valid PromQL (above; dashboard:panel_<id>:<refId>)" >&2; exit 1; }
echo "prometheus: alerts.yml, prometheus.yml, the rule tests and the dashboard's queries pass"
