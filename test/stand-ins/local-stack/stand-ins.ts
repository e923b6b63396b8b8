// Starts every stand-in the local stack needs on 127.0.0.1, each keeping its state in the stack
// folder: AWS, Atlas, the Okta Management API, the local OpenID Provider and the MongoDB wire
// server. The OpenID Provider is wired to the Okta stand-in twice over: it accepts only the apps
// the reconciler registered there, and the Okta authorization server reports its issuer.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AtlasStandIn } from '../atlas/index.ts';
import { startAtlasStandIn } from '../atlas/index.ts';
import type { AwsStandIn } from '../aws/index.ts';
import { startAwsStandIn } from '../aws/index.ts';
import type { MongoStandIn } from '../mongo/index.ts';
import { startMongoStandIn } from '../mongo/index.ts';
import type { ClientRegistration, OidcStandIn } from '../oidc/index.ts';
import { startOidcStandIn } from '../oidc/index.ts';
import type { OktaStandIn } from '../okta/index.ts';
import { startOktaStandIn } from '../okta/index.ts';
import type { LocalOverlay } from './overlay.ts';

export interface StandIns {
  readonly aws: AwsStandIn;
  readonly atlas: AtlasStandIn;
  readonly okta: OktaStandIn;
  readonly oidc: OidcStandIn;
  readonly mongo: MongoStandIn;
  /** Stops them all, in the reverse order of their start. */
  close(): Promise<void>;
}

export interface StandInOptions {
  readonly overlay: LocalOverlay;
  /** Folder of the state files; created when missing. */
  readonly folder: string;
  /** Okta authorization server id from the environment's config, such as `default`. */
  readonly authorizationServerId: string;
  /** AWS account and region from the environment's config. */
  readonly accountId: string;
  readonly region: string;
  /** Receives the stand-ins' own lines: rejected sign-ins, errors they handle. */
  readonly log: (line: string) => void;
}

/** The file that keeps the OpenID Provider's port, see `oidcPort`. */
const portsFile = 'ports.json';

/**
 * Returns the port the OpenID Provider used last time, or 0 for a new one. The port is part of
 * the issuer, which the Okta app reports and the Lambda function receives as OKTA_ISSUER, so a
 * new port on each start would make every second run plan an update of the function.
 */
async function oidcPort(folder: string): Promise<number> {
  const path = join(folder, portsFile);
  if (!existsSync(path)) {
    return 0;
  }
  const saved = (JSON.parse(await readFile(path, 'utf8')) as { oidc?: unknown }).oidc;
  return typeof saved === 'number' && Number.isInteger(saved) ? saved : 0;
}

/**
 * Returns the registration of an OpenID Connect app the reconciler created in the Okta stand-in,
 * when it is an active browser app that may use the authorization code flow.
 */
export function registeredBrowserApp(
  okta: OktaStandIn,
  clientId: string,
  log: (line: string) => void,
): ClientRegistration | undefined {
  const app = okta.findAppByClientId(clientId);
  if (app === undefined) {
    log(`local sign-in: client id ${clientId} is not an app in the Okta stand-in`);
    return undefined;
  }
  if (
    app.status !== 'ACTIVE' ||
    app.applicationType !== 'browser' ||
    !app.grantTypes.includes('authorization_code')
  ) {
    log(
      `local sign-in: Okta app ${app.label} (${clientId}) is ${app.status}, type ${app.applicationType}, grants ${app.grantTypes.join(', ')}; an ACTIVE browser app with authorization_code is needed`,
    );
    return undefined;
  }
  return { clientId: app.clientId, redirectUris: app.redirectUris };
}

async function startOidc(
  options: StandInOptions,
  okta: () => OktaStandIn | undefined,
): Promise<OidcStandIn> {
  const port = await oidcPort(options.folder);
  try {
    return await startOidcStandIn({
      port,
      users: [options.overlay.testUser],
      authorizationServerId: options.authorizationServerId,
      findClient: (clientId) => {
        const current = okta();
        return Promise.resolve(
          current === undefined ? undefined : registeredBrowserApp(current, clientId, options.log),
        );
      },
      keysPath: join(options.folder, 'oidc'),
      log: options.log,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} of the local OpenID Provider, kept in ${join(options.folder, portsFile)} because the Okta app's issuer names it, is in use: stop the other process, or start with --fresh to pick a new port`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Starts the stand-ins. When one fails, those started before it are stopped again. */
export async function startStandIns(options: StandInOptions): Promise<StandIns> {
  const { folder, overlay } = options;
  await mkdir(folder, { recursive: true });
  const started: { close(): Promise<void> }[] = [];
  const close = async () => {
    for (const part of started.reverse()) {
      await part.close();
    }
  };

  try {
    const mongo = await startMongoStandIn({
      persistPath: join(folder, 'mongodb.json'),
      log: (line) => options.log(`MongoDB stand-in: ${line}`),
    });
    started.push(mongo);

    // The OpenID Provider starts first because the Okta org needs its issuer; it looks the Okta
    // stand-in up on each sign-in, once it exists.
    const late: { okta?: OktaStandIn } = {};
    const oidc = await startOidc(options, () => late.okta);
    started.push(oidc);
    await writeFile(join(folder, portsFile), `${JSON.stringify({ oidc: oidc.port })}\n`);

    const okta = await startOktaStandIn({
      apiToken: overlay.credentials.OKTA_API_TOKEN,
      // Read only when the org is new: a restored org keeps the issuer it was created with,
      // which is why the OpenID Provider keeps its port.
      authorizationServers: [{ id: options.authorizationServerId, issuer: oidc.issuer }],
      stateFile: join(folder, 'okta.json'),
    });
    started.push(okta);
    late.okta = okta;

    // Clusters' connectionStrings.standard names the MongoDB stand-in where Atlas names its hosts.
    const atlas = await startAtlasStandIn({
      mongoUri: mongo.uri,
      serviceAccounts: [
        {
          clientId: overlay.credentials.MONGODB_ATLAS_CLIENT_ID,
          clientSecret: overlay.credentials.MONGODB_ATLAS_CLIENT_SECRET,
        },
      ],
      stateFile: join(folder, 'atlas.json'),
    });
    started.push(atlas);

    const aws = await startAwsStandIn({
      accountId: options.accountId,
      region: options.region,
      statePath: join(folder, 'aws.json'),
    });
    started.push(aws);

    return { aws, atlas, okta, oidc, mongo, close };
  } catch (error) {
    await close();
    throw error;
  }
}
