// A minimal AWS for the runner glue's tests, over real HTTP on 127.0.0.1: STS
// AssumeRoleWithWebIdentity (awsQuery, XML) that verifies the GitHub ID token's signature, issuer,
// audience and subject, and Secrets Manager GetSecretValue (awsJson1.1) that serves only callers
// signing with credentials it issued.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { startServer } from '../helpers/servers.ts';

export interface AwsResponderOptions {
  readonly jwks: { keys: JWK[] };
  readonly issuer: string;
  readonly now: Date;
  /** Role ARN to the `sub` claims its trust policy allows. */
  readonly trust: Readonly<Record<string, readonly string[]>>;
  /** Secret name to SecretString. */
  readonly secrets?: Readonly<Record<string, string>>;
}

export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: string | null;
  /** Claims of the verified token, or the verification error. */
  readonly claims: JWTPayload | undefined;
}

export interface AwsResponder {
  readonly url: string;
  readonly assumeRoleCalls: AssumeRoleCall[];
  /** Access key ids that signed each GetSecretValue call, in order. */
  readonly secretReads: Array<{ secretId: string; accessKeyId: string | undefined }>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function stsError(response: ServerResponse, status: number, code: string, message: string): void {
  response.statusCode = status;
  response.setHeader('content-type', 'text/xml');
  response.end(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-4000-8000-000000000001</RequestId></ErrorResponse>`,
  );
}

export async function startAwsResponder(options: AwsResponderOptions): Promise<AwsResponder> {
  const jwks = createLocalJWKSet(options.jwks);
  const assumeRoleCalls: AssumeRoleCall[] = [];
  const secretReads: AwsResponder['secretReads'] = [];
  const issuedKeys = new Set<string>();

  async function assumeRole(params: URLSearchParams, response: ServerResponse): Promise<void> {
    const roleArn = params.get('RoleArn') ?? '';
    let claims: JWTPayload | undefined;
    try {
      ({ payload: claims } = await jwtVerify(params.get('WebIdentityToken') ?? '', jwks, {
        issuer: options.issuer,
        audience: 'sts.amazonaws.com',
        currentDate: options.now,
      }));
    } catch {
      claims = undefined;
    }

    const roleSessionName = params.get('RoleSessionName') ?? '';
    assumeRoleCalls.push({
      roleArn,
      roleSessionName,
      durationSeconds: params.get('DurationSeconds'),
      claims,
    });

    if (!claims) {
      stsError(response, 400, 'InvalidIdentityToken', 'Incorrect token audience or signature');
      return;
    }
    if (!(options.trust[roleArn] ?? []).includes(claims.sub ?? '')) {
      stsError(
        response,
        403,
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
      return;
    }

    const serial = String(assumeRoleCalls.length).padStart(4, '0');
    const accessKeyId = `ASIAGITHUBOIDC00${serial}`;
    issuedKeys.add(accessKeyId);
    const expiration = new Date(options.now.getTime() + 3600_000).toISOString();
    const roleName = roleArn.split('/').pop() ?? '';
    response.setHeader('content-type', 'text/xml');
    response.end(
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>${claims.sub ?? ''}</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/${roleName}/${roleSessionName}</Arn><AssumedRoleId>AROAGITHUBOIDC:${roleSessionName}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>secret-access-key-${serial}-abcdefghijklmnop</SecretAccessKey><SessionToken>session-token-${serial}-FwoGZXIvYXdzEXAMPLE</SessionToken><Expiration>${expiration}</Expiration></Credentials><Provider>token.actions.githubusercontent.com</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-00000000${serial}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    );
  }

  function getSecretValue(request: IncomingMessage, body: string, response: ServerResponse): void {
    const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(request.headers.authorization ?? '')?.[1];
    const { SecretId: secretId } = JSON.parse(body) as { SecretId: string };
    secretReads.push({ secretId, accessKeyId });
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    if (accessKeyId === undefined || !issuedKeys.has(accessKeyId)) {
      response.statusCode = 400;
      response.end(
        JSON.stringify({
          __type: 'UnrecognizedClientException',
          message: 'The security token included in the request is invalid.',
        }),
      );
      return;
    }
    const secretString = options.secrets?.[secretId];
    if (secretString === undefined) {
      response.statusCode = 400;
      response.end(
        JSON.stringify({
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        }),
      );
      return;
    }
    response.end(
      JSON.stringify({
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        SecretString: secretString,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: options.now.getTime() / 1000,
      }),
    );
  }

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const target = request.headers['x-amz-target'];
      if (target === 'secretsmanager.GetSecretValue') {
        getSecretValue(request, body, response);
        return;
      }
      const params = new URLSearchParams(body);
      if (params.get('Action') === 'AssumeRoleWithWebIdentity') {
        await assumeRole(params, response);
        return;
      }
      stsError(
        response,
        400,
        'InvalidAction',
        `Unsupported request ${String(target ?? params.get('Action'))}`,
      );
    })();
  });
  const listening = await startServer(server);
  return { url: listening.url, assumeRoleCalls, secretReads };
}
