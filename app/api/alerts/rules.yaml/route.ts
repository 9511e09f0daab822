import { prometheusRuleYaml, ruleFileYaml } from '@/lib/alerts/prometheus-rules';
import { api } from '@/lib/api/contract';
import { route } from '@/lib/http/route';
import { CERTIFICATE_DEFAULTS } from '@/lib/notify/config';

/**
 * Ringside's alert rules over its own /api/metrics series, for a Prometheus that scrapes Ringside:
 * a rule file, or with `?format=PrometheusRule` the same groups for the Prometheus operator. This
 * deployment's certificate thresholds; rules turned off in its config are left out.
 */
export const GET = route(api.alertRuleFile, ({ root, query }) => {
  const s = root.settings;
  const opts = {
    certificates: s?.certificates ?? CERTIFICATE_DEFAULTS,
    ...(query.job ? { job: query.job } : {}),
    disabled: Object.entries(s?.alerts ?? {}).flatMap(([name, o]) => (o?.disabled ? [name] : [])),
  };
  const yaml = query.format === 'PrometheusRule' ? prometheusRuleYaml(opts, { name: 'ringside' }) : ruleFileYaml(opts);
  return new Response(yaml, { headers: { 'Content-Type': 'application/yaml; charset=utf-8', 'Cache-Control': 'no-store' } });
});
