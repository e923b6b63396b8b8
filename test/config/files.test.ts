import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { schemaText } from '../../actions/cli/commands.ts';
import {
  environmentForBranch,
  listEnvironments,
  readBranches,
} from '../../actions/engine/config/environments.ts';
import { loadConfig } from '../../actions/engine/config/load.ts';
import type { Target } from '../../actions/engine/config/placeholders.ts';
import { formatProblem } from '../../actions/engine/config/problems.ts';
import { buildGraph } from '../../actions/engine/graph.ts';
import { declareResources } from '../../actions/engine/resources.ts';
import { createProviders, sectionSchemas } from '../../actions/stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const configDir = `${root}config`;

async function load(environment: string, target: Target) {
  const raw: unknown = parse(await readFile(`${configDir}/${environment}.yaml`, 'utf8'));
  const providers = createProviders({ env: {}, target, purpose: 'validate', raw });
  const result = await loadConfig({ configDir, environment, providers, target, displayRoot: root });
  return { result, providers };
}

describe('config files', () => {
  it('has dev and prod', async () => {
    expect(await listEnvironments(configDir)).toEqual(['dev', 'prod']);
  });

  it('maps each branch to one environment', async () => {
    expect([...(await readBranches(configDir)).entries()]).toEqual([
      ['dev', 'dev'],
      ['prod', 'prod'],
    ]);
    expect(await environmentForBranch(configDir, 'dev')).toBe('dev');
    expect(await environmentForBranch(configDir, 'prod')).toBe('prod');
    expect(await environmentForBranch(configDir, 'main')).toBeUndefined();
  });

  for (const environment of ['dev', 'prod']) {
    it(`validates ${environment} for the stand-ins`, async () => {
      const { result } = await load(environment, 'local');
      expect(result.problems.map(formatProblem)).toEqual([]);
      expect(result.config?.environment).toBe(environment);
    });

    it(`points ${environment} at the schema`, async () => {
      const text = await readFile(`${configDir}/${environment}.yaml`, 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    });
  }

  it('rejects placeholders for the cloud', async () => {
    const { result } = await load('dev', 'cloud');
    const paths = result.problems
      .filter((problem) => problem.rule === 'config.placeholder')
      .map((problem) => problem.path);
    expect(paths).toEqual([
      'aws.accountId',
      'aws.budgets.monthly.subscribers[0].address',
      'aws.github.repository',
      'aws.github.repositoryOwnerId',
      'aws.github.repositoryId',
      'atlas.orgId',
      'atlas.databaseUsers.developer.username',
      'okta.orgUrl',
    ]);
  });

  it('keeps prod redirects on https', async () => {
    const { result } = await load('prod', 'local');
    const okta = result.config?.sections.okta as {
      apps: Record<string, { redirectUris: string[] }>;
    };
    for (const app of Object.values(okta.apps)) {
      for (const uri of app.redirectUris) {
        expect(uri.startsWith('https://') || uri.startsWith('${'), uri).toBe(true);
      }
    }
  });

  it('has the deferrable cycle of the seed', async () => {
    const { result, providers } = await load('dev', 'local');
    const declared = declareResources(providers, result.config!.sections);
    const graph = buildGraph(declared.resources);
    expect(graph.problems).toEqual([]);
    const deferred = graph.edges
      .filter((edge) => edge.deferrable)
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(deferred).toContain('aws.functions.api -> okta.apps.spa');
    // The function URL waits for the function, and the Okta app for the URL.
    expect(graph.dependencies('aws.functionUrls.api')).toContain('aws.functions.api');
    expect(graph.dependencies('okta.apps.spa')).toContain('aws.functionUrls.api');
    expect(graph.order.indexOf('aws.functions.api')).toBeLessThan(
      graph.order.indexOf('okta.apps.spa'),
    );
  });
});

describe('config/schema.json', () => {
  it('is up to date', async () => {
    const current = await readFile(`${configDir}/schema.json`, 'utf8');
    // On failure, regenerate it: npx gitops schema --out config/schema.json
    expect(current === schemaText(sectionSchemas), 'config/schema.json is stale').toBe(true);
  });

  it('has a section per provider', async () => {
    const schema = JSON.parse(await readFile(`${configDir}/schema.json`, 'utf8')) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'environment',
      'branch',
      'prune',
      'aws',
      'atlas',
      'okta',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('config/schema.json in an editor', () => {
  // The YAML language server validates with the JSON schema alone; Ajv stands in for it here.
  async function validator() {
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (instance: Ajv) => void)(ajv);
    return ajv.compile(JSON.parse(await readFile(`${configDir}/schema.json`, 'utf8')) as object);
  }

  async function seed(environment: string): Promise<Record<string, unknown>> {
    return parse(await readFile(`${configDir}/${environment}.yaml`, 'utf8')) as Record<
      string,
      unknown
    >;
  }

  for (const environment of ['dev', 'prod']) {
    it(`accepts ${environment}.yaml`, async () => {
      const validate = await validator();
      expect(validate(await seed(environment)), JSON.stringify(validate.errors)).toBe(true);
    });
  }

  it('accepts a secret reference', async () => {
    const validate = await validator();
    const config = await seed('dev');
    const aws = config.aws as { functions: { api: { environment: Record<string, unknown> } } };
    aws.functions.api.environment.DB_PASSWORD = { secret: { name: 'DB_PASSWORD', from: 'env' } };
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a misspelt key', async () => {
    const validate = await validator();
    const config = await seed('dev');
    config.prnue = true;
    expect(validate(config)).toBe(false);
  });
});
