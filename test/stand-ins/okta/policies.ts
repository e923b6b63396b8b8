// `/api/v1/policies`: read-only access to the org's policies (listed by `type`) and their rules,
// and the apps each sign-in policy is assigned to.
import { invalidSearch, notFound, validationFailed } from './errors.ts';
import { renderApp } from './apps.ts';
import { lifecycleLinks, link, paginate, type Org, type Route, text } from './routing.ts';
import type { JsonObject } from './state.ts';

const policyTypes = [
  'ACCESS_POLICY',
  'ENTITY_RISK',
  'IDP_DISCOVERY',
  'MFA_ENROLL',
  'OKTA_SIGN_ON',
  'PASSWORD',
  'POST_AUTH_SESSION',
  'PROFILE_ENROLLMENT',
  'DEVICE_SIGNAL_COLLECTION',
];

function findPolicy(org: Org, policyId: string): JsonObject {
  const policy = org.state.policies.find((candidate) => candidate.id === policyId);
  if (!policy) {
    throw notFound(policyId, 'Policy');
  }
  return policy;
}

function renderPolicy(policy: JsonObject, base: string): JsonObject {
  const url = `${base}/api/v1/policies/${text(policy.id)}`;
  const lifecycle = lifecycleLinks(url, policy.status);
  return {
    ...policy,
    _links: {
      self: link(url, ['GET', 'PUT', 'DELETE']),
      rules: link(`${url}/rules`, ['GET', 'POST']),
      ...lifecycle,
    },
  };
}

function renderRule(rule: JsonObject, policyId: string, base: string): JsonObject {
  const url = `${base}/api/v1/policies/${policyId}/rules/${text(rule.id)}`;
  return { ...rule, _links: { self: link(url, ['GET', 'PUT', 'DELETE']) } };
}

export const policyRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v1\/policies$/,
    scope: 'okta.policies.read',
    handle(request, org) {
      const type = request.query.get('type');
      if (type === null || !policyTypes.includes(type)) {
        throw validationFailed([
          {
            field: 'type',
            message: `Must be one of ${policyTypes.join(', ')} (got ${JSON.stringify(type)}).`,
          },
        ]);
      }
      const status = request.query.get('status');
      if (status !== null && status !== 'ACTIVE' && status !== 'INACTIVE') {
        throw invalidSearch(`status must be ACTIVE or INACTIVE (got "${status}")`);
      }
      const q = request.query.get('q')?.toLowerCase();
      const policies = org.state.policies.filter(
        (policy) =>
          policy.type === type &&
          (status === null || policy.status === status) &&
          (q === undefined || text(policy.name).toLowerCase().startsWith(q)),
      );
      const { page, headers } = paginate(policies, request, org);
      return {
        status: 200,
        body: page.map((policy) => renderPolicy(policy, request.base)),
        headers,
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/policies\/([^/]+)$/,
    scope: 'okta.policies.read',
    handle(request, org) {
      const policy = findPolicy(org, request.params[0] ?? '');
      return { status: 200, body: renderPolicy(policy, request.base) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/policies\/([^/]+)\/rules$/,
    scope: 'okta.policies.read',
    handle(request, org) {
      const policyId = text(findPolicy(org, request.params[0] ?? '').id);
      const rules = org.state.policyRules[policyId] ?? [];
      return { status: 200, body: rules.map((rule) => renderRule(rule, policyId, request.base)) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/policies\/([^/]+)\/rules\/([^/]+)$/,
    scope: 'okta.policies.read',
    handle(request, org) {
      const policyId = text(findPolicy(org, request.params[0] ?? '').id);
      const ruleId = request.params[1] ?? '';
      const rule = (org.state.policyRules[policyId] ?? []).find(
        (candidate) => candidate.id === ruleId,
      );
      if (!rule) {
        throw notFound(ruleId, 'PolicyRule');
      }
      return { status: 200, body: renderRule(rule, policyId, request.base) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/policies\/([^/]+)\/app$/,
    scope: 'okta.policies.read',
    handle(request, org) {
      const policyId = text(findPolicy(org, request.params[0] ?? '').id);
      const apps = org.state.apps.filter((app) => org.state.appPolicies[text(app.id)] === policyId);
      return { status: 200, body: apps.map((app) => renderApp(app, org, request.base)) };
    },
  },
];
