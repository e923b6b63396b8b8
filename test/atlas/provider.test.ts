import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  atlasOptionsFromEnvironment,
  atlasSchema,
  createAtlasProvider,
  readPendingCharges,
  type AtlasSection,
} from '../../actions/providers/atlas/index.ts';
import { FrozenClock, orgId, providerFor, startStandIn } from './helpers.ts';

const devConfig = parse(
  readFileSync(new URL('../../config/dev.yaml', import.meta.url), 'utf8'),
) as {
  atlas: unknown;
};

function devSection(): AtlasSection {
  return atlasSchema.parse(structuredClone(devConfig.atlas));
}

function provider() {
  return createAtlasProvider({
    baseUrl: 'http://127.0.0.1:9',
    credentials: { type: 'apiKey', publicKey: 'p', privateKey: 'k' },
  });
}

describe('atlas schema', () => {
  it('accepts the dev config section', () => {
    const result = atlasSchema.safeParse(devConfig.atlas);
    expect(result.error?.issues).toBeUndefined();
  });

  it('rejects an unknown key', () => {
    const section = structuredClone(devConfig.atlas) as {
      clusters: { main: Record<string, unknown> };
    };
    section.clusters.main.diskSize = 10;
    const result = atlasSchema.safeParse(section);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['clusters.main']);
  });

  it('points M2 users to Flex', () => {
    const section = structuredClone(devConfig.atlas) as {
      clusters: { main: Record<string, unknown> };
    };
    section.clusters.main.instanceSizeName = 'M2';
    const issue = atlasSchema.safeParse(section).error?.issues[0];
    expect(issue?.path).toEqual(['clusters', 'main', 'instanceSizeName']);
    expect(issue?.message).toContain('FLEX');
  });

  it('rejects marker tag keys and colons', () => {
    const section = structuredClone(devConfig.atlas) as {
      projects: { dev: Record<string, unknown> };
    };
    section.projects.dev.tags = { 'gitops-address': 'x', 'cost:center': 'y' };
    const messages = atlasSchema.safeParse(section).error?.issues.map((issue) => issue.message);
    expect(messages).toHaveLength(2);
  });

  it('accepts Flex and dedicated clusters', () => {
    const section = structuredClone(devConfig.atlas) as { clusters: Record<string, unknown> };
    section.clusters.flex = {
      projectId: '${atlas.projects.dev.id}',
      name: 'flex-dev',
      providerName: 'FLEX',
      backingProviderName: 'AWS',
      regionName: 'US_EAST_1',
    };
    section.clusters.big = {
      projectId: '${atlas.projects.dev.id}',
      name: 'big',
      providerName: 'AWS',
      regionName: 'EU_WEST_1',
      instanceSizeName: 'M30',
      nodeCount: 3,
    };
    expect(atlasSchema.safeParse(section).error?.issues).toBeUndefined();
  });
});

describe('atlas check', () => {
  it('finds nothing wrong in the dev config', () => {
    expect(provider().check!(devSection())).toEqual([]);
  });

  it('allows one M0 per project', () => {
    const section = devSection();
    section.clusters!.second = { ...section.clusters!.main!, name: 'second-free' };
    const problems = provider().check!(section);
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['atlas.one-m0-per-project', 'clusters.second.instanceSizeName'],
    ]);
  });

  it('requires projectId to reference a declared project', () => {
    const section = devSection();
    section.accessList!.anywhere!.projectId = '${atlas.projects.prod.id}';
    const problems = provider().check!(section);
    expect(problems.map((problem) => problem.rule)).toEqual(['atlas.project-reference']);
    expect(problems[0]!.message).toContain('${atlas.projects.prod.id}');
  });

  it('matches awsIAMType to the ARN', () => {
    const section = devSection();
    section.databaseUsers!.developer!.username = 'arn:aws:iam::123456789012:role/developer';
    section.databaseUsers!.lambda!.awsIAMType = 'USER';
    const problems = provider().check!(section);
    expect(problems.map((problem) => problem.path.join('.'))).toEqual([
      'databaseUsers.developer.username',
      'databaseUsers.lambda.awsIAMType',
    ]);
  });

  it('requires scopes to name a declared cluster', () => {
    const section = devSection();
    section.databaseUsers!.lambda!.scopes = [{ name: 'missing', type: 'CLUSTER' }];
    const problems = provider().check!(section);
    expect(problems.map((problem) => problem.rule)).toEqual(['atlas.scope-cluster']);
  });

  it('keeps comment and marker within 80 characters', () => {
    const section = devSection();
    section.accessList!.anywhere!.comment = 'x'.repeat(60);
    const problems = provider().check!(section);
    expect(problems.map((problem) => problem.rule)).toEqual(['atlas.access-list-comment-length']);
  });

  it('lists resources in config order', () => {
    const resources = provider().resources(devSection());
    expect(resources.map((resource) => [resource.address, resource.kind])).toEqual([
      ['atlas.projects.dev', 'atlas:Project'],
      ['atlas.clusters.main', 'atlas:Cluster'],
      ['atlas.accessList.anywhere', 'atlas:AccessListEntry'],
      ['atlas.databaseUsers.developer', 'atlas:DatabaseUser'],
      ['atlas.databaseUsers.lambda', 'atlas:DatabaseUser'],
    ]);
    expect(resources[0]!.spec).toEqual({ orgId, name: 'dev' });
  });
});

describe('atlas options from the environment', () => {
  it('prefers a service account', () => {
    const options = atlasOptionsFromEnvironment({
      ATLAS_BASE_URL: 'http://127.0.0.1:4010',
      MONGODB_ATLAS_CLIENT_ID: 'id',
      MONGODB_ATLAS_CLIENT_SECRET: 'secret',
      MONGODB_ATLAS_PUBLIC_API_KEY: 'pub',
      MONGODB_ATLAS_PRIVATE_API_KEY: 'priv',
    });
    expect(options).toEqual({
      baseUrl: 'http://127.0.0.1:4010',
      credentials: { type: 'serviceAccount', clientId: 'id', clientSecret: 'secret' },
    });
  });

  it('names the missing variable, never a value', () => {
    const call = () =>
      atlasOptionsFromEnvironment({ MONGODB_ATLAS_PRIVATE_API_KEY: 'priv-value-1' });
    expect(call).toThrow('MONGODB_ATLAS_PUBLIC_API_KEY is missing');
    expect(call).not.toThrow('priv-value-1');
  });

  it('rejects plain http to a remote host', () => {
    expect(() =>
      atlasOptionsFromEnvironment({
        ATLAS_BASE_URL: 'http://cloud.example.com',
        MONGODB_ATLAS_CLIENT_ID: 'id',
        MONGODB_ATLAS_CLIENT_SECRET: 'secret',
      }),
    ).toThrow('ATLAS_BASE_URL must use https');
  });
});

describe('pending charges', () => {
  it('sums the pending invoices in cents', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const invoice = {
      orgId,
      statusName: 'PENDING',
      created: '2026-01-01T00:00:00Z',
      updated: '2026-01-05T00:00:00Z',
      startDate: '2026-01-01T00:00:00Z',
      endDate: '2026-02-01T00:00:00Z',
      amountPaidCents: 0,
      creditsCents: 50,
      salesTaxCents: 12,
      startingBalanceCents: 0,
      lineItems: [],
    };
    standIn.addInvoice({
      ...invoice,
      id: '6b0000000000000000000002',
      amountBilledCents: 1234,
      subtotalCents: 1272,
    });
    standIn.addInvoice({
      ...invoice,
      id: '6b0000000000000000000001',
      amountBilledCents: 66,
      subtotalCents: 116,
    });
    standIn.addInvoice({
      ...invoice,
      id: '6b0000000000000000000003',
      statusName: 'PAID',
      amountBilledCents: 999,
      subtotalCents: 999,
    });

    const charges = await readPendingCharges(providerFor(standIn, clock).client, orgId);

    expect(charges).toEqual({
      orgId,
      invoiceIds: ['6b0000000000000000000001', '6b0000000000000000000002'],
      amountBilledCents: 1300,
      subtotalCents: 1388,
      creditsCents: 100,
      salesTaxCents: 24,
      amountBilledUsd: 13,
      periodStart: '2026-01-01T00:00:00Z',
      periodEnd: '2026-02-01T00:00:00Z',
    });
    expect(standIn.requests.at(-1)!.path).toBe(`/api/atlas/v2/orgs/${orgId}/invoices/pending`);
  });
});
