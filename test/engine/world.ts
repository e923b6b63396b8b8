// The seed config's shape in miniature, on the fake cloud: a role, a function that needs the
// role's ARN and (through a deferrable field) the app's client id, a function URL, and an app
// whose redirect URI needs the URL. That is the same cycle as config/dev.yaml.
import type { ReconcileConfig } from '../../actions/engine/resources.ts';
import { createEngine } from '../../actions/engine/engine.ts';
import type { EngineOptions } from '../../actions/engine/runtime.ts';
import { FakeCloud, createFakeProvider, recordingLogger } from './fakes.ts';
import type { KindOptions } from './fakes.ts';

export const awsKinds = {
  roles: {
    kind: 'aws:iam:Role',
    outputs: ['arn'],
    identity: ['name'],
    fields: { policy: { compare: 'json' }, path: { replaceOnChange: true } },
  },
  functions: {
    kind: 'aws:lambda:Function',
    outputs: ['arn'],
    fields: { environment: { deferrable: true } },
  },
  functionUrls: {
    kind: 'aws:lambda:Url',
    outputs: ['url', 'origin'],
    identity: ['name'],
    outputs_: (stored) => ({
      url: `https://${stored.id}.lambda-url.example/`,
      origin: `https://${stored.id}.lambda-url.example`,
    }),
  },
} satisfies Record<string, { kind: string } & KindOptions>;

export const oktaKinds = {
  apps: {
    kind: 'okta:App',
    outputs: ['clientId', 'clientSecret'],
    sensitiveOutputs: ['clientSecret'],
    outputs_: (stored) => ({
      clientId: `client-${stored.id}`,
      clientSecret: `very-secret-${stored.id}`,
    }),
  },
} satisfies Record<string, { kind: string } & KindOptions>;

export function seedSections(): Record<string, unknown> {
  return {
    aws: {
      roles: {
        lambda: {
          name: 'backend-dev',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }],
          },
        },
      },
      functions: {
        api: {
          name: 'backend-dev',
          role: '${aws.roles.lambda.arn}',
          memorySize: 512,
          environment: { OKTA_CLIENT_ID: '${okta.apps.spa.clientId}' },
        },
      },
      functionUrls: { api: { name: '${aws.functions.api.name}' } },
    },
    okta: {
      apps: {
        spa: {
          name: 'Backend (dev)',
          redirectUris: ['http://localhost:8000/cb', '${aws.functionUrls.api.url}cb'],
        },
      },
    },
  };
}

export function seedConfig(overrides: Partial<ReconcileConfig> = {}): ReconcileConfig {
  return { environment: 'dev', prune: false, sections: seedSections(), ...overrides };
}

/** Creates a fake cloud, the two providers over it, and an engine with a frozen clock and sleep. */
export function createWorld(options: Partial<EngineOptions> = {}, cloud = new FakeCloud()) {
  const logger = recordingLogger();
  const sleeps: number[] = [];
  const providers = [
    createFakeProvider('aws', cloud, awsKinds),
    createFakeProvider('okta', cloud, oktaKinds),
  ];
  const engine = createEngine(providers, {
    log: logger.log,
    now: () => new Date(0),
    sleep: (milliseconds) => {
      sleeps.push(milliseconds);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...options,
  });
  return { cloud, engine, providers, lines: logger.lines, sleeps };
}
