// IAM over awsQuery: roles with trust, managed and inline policies, tags, and OpenID Connect
// providers. Policy documents are stored reshaped and returned URL-encoded, as IAM does.
import { AwsError } from '../errors.ts';
import { encodePolicy, parsePolicy, reshapePolicy } from '../policy.ts';
import type { PolicyKind } from '../policy.ts';
import type { QueryParams } from '../protocols/query.ts';
import { listParam, optionalInteger, optionalString, requiredString } from '../protocols/query.ts';
import type { AccessCheck, Operation, Runtime } from '../runtime.ts';
import type { OidcProviderRecord, RoleRecord, TagRecord } from '../state.ts';

export const iamNamespace = 'https://iam.amazonaws.com/doc/2010-05-08/';

const maxRolesPerAccount = 1000;
const maxManagedPoliciesPerRole = 20;
const maxTagsPerEntity = 50;
const maxInlinePolicyBytes = 10_240;
const maxTrustPolicyBytes = 2_048;

function validation(name: string, value: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: ${constraint}`,
    400,
  );
}

function roleNameParam(params: QueryParams): string {
  const roleName = requiredString(params, 'RoleName');
  if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) {
    throw validation(
      'roleName',
      roleName,
      'Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length less than or equal to 64',
    );
  }
  return roleName;
}

function findRole(runtime: Runtime, roleName: string): RoleRecord {
  const role = runtime.state.iam.roles[roleName];
  if (role === undefined) {
    throw new AwsError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
  }
  return role;
}

function roleArn(runtime: Runtime, roleName: string, path = '/'): string {
  return `arn:aws:iam::${runtime.accountId}:role${path}${roleName}`;
}

function oidcArn(runtime: Runtime, url: string): string {
  return `arn:aws:iam::${runtime.accountId}:oidc-provider/${url}`;
}

/**
 * Checks that a trust policy's federated principals name OIDC providers that exist, as IAM does
 * ("Invalid principal in policy").
 */
function checkFederatedPrincipals(runtime: Runtime, text: string): void {
  const document = parsePolicy(text, 'trust');
  for (const statement of document.Statement) {
    const principal = statement.Principal;
    if (principal === undefined || principal === '*') {
      continue;
    }
    const federated = principal.Federated;
    for (const arn of federated === undefined ? [] : [federated].flat()) {
      if (arn.includes(':oidc-provider/') && runtime.state.iam.oidcProviders[arn] === undefined) {
        throw new AwsError(
          'MalformedPolicyDocument',
          `Invalid principal in policy: "Federated":"${arn}"`,
          400,
        );
      }
    }
  }
}

function policyDocumentParam(
  runtime: Runtime,
  params: QueryParams,
  name: string,
  kind: PolicyKind,
  maxBytes: number,
): string {
  const text = requiredString(params, name);
  parsePolicy(text, kind);
  if (kind === 'trust') {
    checkFederatedPrincipals(runtime, text);
  }
  const reshaped = reshapePolicy(text);
  if (Buffer.byteLength(reshaped) > maxBytes) {
    throw new AwsError(
      'LimitExceeded',
      `Cannot exceed quota for ${kind === 'trust' ? 'ACLSizePerRole' : 'PolicySize'}: ${maxBytes}`,
      409,
    );
  }
  return reshaped;
}

function tagsParam(params: QueryParams, name = 'Tags'): TagRecord[] {
  const tags = listParam<Record<string, string>>(params, name).map((tag) => ({
    Key: tag.Key ?? '',
    Value: tag.Value ?? '',
  }));
  for (const tag of tags) {
    if (tag.Key === '' || tag.Key.length > 128 || tag.Value.length > 256) {
      throw new AwsError('InvalidInput', `Invalid tag: key "${tag.Key}" value "${tag.Value}"`, 400);
    }
    if (tag.Key.toLowerCase().startsWith('aws:')) {
      throw new AwsError(
        'InvalidInput',
        `Tag keys beginning with aws: are reserved (got "${tag.Key}").`,
        400,
      );
    }
  }
  return tags;
}

function mergeTags(existing: TagRecord[], added: TagRecord[]): TagRecord[] {
  const merged = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) {
    merged.set(tag.Key, tag.Value);
  }
  if (merged.size > maxTagsPerEntity) {
    throw new AwsError(
      'LimitExceeded',
      `Cannot exceed quota for TagsPerRole: ${maxTagsPerEntity}`,
      409,
    );
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

function roleResponse(role: RoleRecord, detail: 'full' | 'list'): Record<string, unknown> {
  const base = {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: new Date(role.CreateDate),
    AssumeRolePolicyDocument: encodePolicy(role.AssumeRolePolicyDocument),
    Description: role.Description,
    MaxSessionDuration: role.MaxSessionDuration,
  };
  // ListRoles leaves out tags and last use, as IAM's list operations do.
  if (detail === 'list') {
    return base;
  }
  return {
    ...base,
    Tags: role.Tags.length > 0 ? role.Tags : undefined,
    RoleLastUsed: {},
  };
}

/** Pages a sorted list with IAM's `Marker`/`IsTruncated`/`MaxItems`. */
function page<T>(
  items: readonly T[],
  params: QueryParams,
): { items: T[]; IsTruncated: boolean; Marker: string | undefined } {
  const maxItems = optionalInteger(params, 'MaxItems') ?? 100;
  if (maxItems < 1 || maxItems > 1000) {
    throw validation('maxItems', String(maxItems), 'Member must have value between 1 and 1000');
  }
  const marker = optionalString(params, 'Marker');
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length) {
      throw new AwsError('InvalidInput', 'Invalid Marker.', 400);
    }
  }
  const slice = items.slice(start, start + maxItems);
  const end = start + slice.length;
  const truncated = end < items.length;
  return {
    items: slice,
    IsTruncated: truncated,
    Marker: truncated ? Buffer.from(String(end)).toString('base64') : undefined,
  };
}

function roleCheck(action: string) {
  return (params: QueryParams, runtime: Runtime): AccessCheck[] => [
    { action, resource: roleArn(runtime, requiredString(params, 'RoleName')) },
  ];
}

/** Builds the check for attaching or detaching a managed policy, with the `iam:PolicyARN` key. */
function policyAttachmentCheck(action: string) {
  return (params: QueryParams, runtime: Runtime): AccessCheck[] => [
    {
      action,
      resource: roleArn(runtime, requiredString(params, 'RoleName')),
      context: { 'iam:policyarn': optionalString(params, 'PolicyArn') },
    },
  ];
}

function oidcCheck(action: string) {
  return (params: QueryParams): AccessCheck[] => [
    { action, resource: requiredString(params, 'OpenIDConnectProviderArn') },
  ];
}

function findOidcProvider(runtime: Runtime, params: QueryParams): OidcProviderRecord {
  const arn = requiredString(params, 'OpenIDConnectProviderArn');
  const provider = runtime.state.iam.oidcProviders[arn];
  if (provider === undefined) {
    throw new AwsError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`, 404);
  }
  return provider;
}

function thumbprintsParam(params: QueryParams): string[] {
  const thumbprints = listParam<string>(params, 'ThumbprintList');
  if (thumbprints.length > 5) {
    throw new AwsError(
      'LimitExceeded',
      'Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5',
      409,
    );
  }
  for (const thumbprint of thumbprints) {
    if (!/^[0-9a-fA-F]{40}$/.test(thumbprint)) {
      throw new AwsError(
        'InvalidInput',
        `Thumbprint ${thumbprint} must be a 40-character hex string.`,
        400,
      );
    }
  }
  return thumbprints.map((thumbprint) => thumbprint.toLowerCase());
}

export const iamOperations: Record<string, Operation<QueryParams>> = {
  CreateRole: {
    write: true,
    authorize(params, runtime) {
      const resource = roleArn(
        runtime,
        requiredString(params, 'RoleName'),
        optionalString(params, 'Path') ?? '/',
      );
      const checks: AccessCheck[] = [{ action: 'iam:CreateRole', resource }];
      if (listParam(params, 'Tags').length > 0) {
        checks.push({ action: 'iam:TagRole', resource });
      }
      return checks;
    },
    run(params, runtime) {
      const roleName = roleNameParam(params);
      const path = optionalString(params, 'Path') ?? '/';
      if (!/^\/([\x21-\x7e]*\/)?$/.test(path)) {
        throw validation(
          'path',
          path,
          'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
        );
      }

      const roles = runtime.state.iam.roles;
      if (Object.keys(roles).some((name) => name.toLowerCase() === roleName.toLowerCase())) {
        throw new AwsError(
          'EntityAlreadyExists',
          `Role with name ${roleName} already exists.`,
          409,
        );
      }
      if (Object.keys(roles).length >= maxRolesPerAccount) {
        throw new AwsError(
          'LimitExceeded',
          `Cannot exceed quota for RolesPerAccount: ${maxRolesPerAccount}`,
          409,
        );
      }

      const description = optionalString(params, 'Description');
      if (description !== undefined && description.length > 1000) {
        throw validation(
          'description',
          description,
          'Member must have length less than or equal to 1000',
        );
      }
      const maxSessionDuration = optionalInteger(params, 'MaxSessionDuration') ?? 3600;
      if (maxSessionDuration < 3600 || maxSessionDuration > 43_200) {
        throw validation(
          'maxSessionDuration',
          String(maxSessionDuration),
          'Member must have value between 3600 and 43200',
        );
      }
      const document = policyDocumentParam(
        runtime,
        params,
        'AssumeRolePolicyDocument',
        'trust',
        maxTrustPolicyBytes,
      );

      const now = runtime.now();
      const role: RoleRecord = {
        RoleName: roleName,
        RoleId: runtime.ids.iamId('AROA'),
        Arn: roleArn(runtime, roleName, path),
        Path: path,
        CreateDate: now,
        AssumeRolePolicyDocument: document,
        Description: description,
        MaxSessionDuration: maxSessionDuration,
        Tags: mergeTags([], tagsParam(params)),
        AttachedPolicyArns: [],
        InlinePolicies: {},
        TrustChangedAt: now,
      };
      roles[roleName] = role;
      return { Role: roleResponse(role, 'full') };
    },
  },
  GetRole: {
    write: false,
    authorize: roleCheck('iam:GetRole'),
    run(params, runtime) {
      return { Role: roleResponse(findRole(runtime, roleNameParam(params)), 'full') };
    },
  },
  UpdateRole: {
    write: true,
    authorize: roleCheck('iam:UpdateRole'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const description = optionalString(params, 'Description');
      if (description !== undefined) {
        if (description.length > 1000) {
          throw validation(
            'description',
            description,
            'Member must have length less than or equal to 1000',
          );
        }
        role.Description = description;
      }
      const maxSessionDuration = optionalInteger(params, 'MaxSessionDuration');
      if (maxSessionDuration !== undefined) {
        if (maxSessionDuration < 3600 || maxSessionDuration > 43_200) {
          throw validation(
            'maxSessionDuration',
            String(maxSessionDuration),
            'Member must have value between 3600 and 43200',
          );
        }
        role.MaxSessionDuration = maxSessionDuration;
      }
      return {};
    },
  },
  UpdateAssumeRolePolicy: {
    write: true,
    authorize: roleCheck('iam:UpdateAssumeRolePolicy'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      role.AssumeRolePolicyDocument = policyDocumentParam(
        runtime,
        params,
        'PolicyDocument',
        'trust',
        maxTrustPolicyBytes,
      );
      role.TrustChangedAt = runtime.now();
      return undefined;
    },
  },
  DeleteRole: {
    write: true,
    authorize: roleCheck('iam:DeleteRole'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      if (role.AttachedPolicyArns.length > 0) {
        throw new AwsError(
          'DeleteConflict',
          'Cannot delete entity, must detach all policies first.',
          409,
        );
      }
      if (Object.keys(role.InlinePolicies).length > 0) {
        throw new AwsError(
          'DeleteConflict',
          'Cannot delete entity, must delete policies first.',
          409,
        );
      }
      delete runtime.state.iam.roles[role.RoleName];
      return undefined;
    },
  },
  TagRole: {
    write: true,
    authorize: roleCheck('iam:TagRole'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      role.Tags = mergeTags(role.Tags, tagsParam(params));
      return undefined;
    },
  },
  UntagRole: {
    write: true,
    authorize: roleCheck('iam:UntagRole'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const keys = new Set(listParam<string>(params, 'TagKeys'));
      role.Tags = role.Tags.filter((tag) => !keys.has(tag.Key));
      return undefined;
    },
  },
  ListRoles: {
    write: false,
    run(params, runtime) {
      const prefix = optionalString(params, 'PathPrefix') ?? '/';
      const roles = Object.values(runtime.state.iam.roles)
        .filter((role) => role.Path.startsWith(prefix))
        .sort((left, right) => left.RoleName.localeCompare(right.RoleName));
      const { items, IsTruncated, Marker } = page(roles, params);
      return { Roles: items.map((role) => roleResponse(role, 'list')), IsTruncated, Marker };
    },
  },
  ListRoleTags: {
    write: false,
    authorize: roleCheck('iam:ListRoleTags'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const { items, IsTruncated, Marker } = page(role.Tags, params);
      return { Tags: items, IsTruncated, Marker };
    },
  },
  AttachRolePolicy: {
    write: true,
    authorize: policyAttachmentCheck('iam:AttachRolePolicy'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const policyArn = requiredString(params, 'PolicyArn');
      if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(policyArn)) {
        throw new AwsError('InvalidInput', `ARN ${policyArn} is not valid.`, 400);
      }
      if (!role.AttachedPolicyArns.includes(policyArn)) {
        if (role.AttachedPolicyArns.length >= maxManagedPoliciesPerRole) {
          throw new AwsError(
            'LimitExceeded',
            `Cannot exceed quota for PoliciesPerRole: ${maxManagedPoliciesPerRole}`,
            409,
          );
        }
        role.AttachedPolicyArns.push(policyArn);
      }
      return undefined;
    },
  },
  DetachRolePolicy: {
    write: true,
    authorize: policyAttachmentCheck('iam:DetachRolePolicy'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const policyArn = requiredString(params, 'PolicyArn');
      if (!role.AttachedPolicyArns.includes(policyArn)) {
        throw new AwsError('NoSuchEntity', `Policy ${policyArn} was not found.`, 404);
      }
      role.AttachedPolicyArns = role.AttachedPolicyArns.filter((arn) => arn !== policyArn);
      return undefined;
    },
  },
  ListAttachedRolePolicies: {
    write: false,
    authorize: roleCheck('iam:ListAttachedRolePolicies'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const attached = role.AttachedPolicyArns.map((arn) => ({
        PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
        PolicyArn: arn,
      }));
      const { items, IsTruncated, Marker } = page(attached, params);
      return { AttachedPolicies: items, IsTruncated, Marker };
    },
  },
  PutRolePolicy: {
    write: true,
    authorize: roleCheck('iam:PutRolePolicy'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const policyName = requiredString(params, 'PolicyName');
      if (!/^[\w+=,.@-]{1,128}$/.test(policyName)) {
        throw validation(
          'policyName',
          policyName,
          'Member must satisfy regular expression pattern: [\\w+=,.@-]+',
        );
      }
      const document = policyDocumentParam(
        runtime,
        params,
        'PolicyDocument',
        'identity',
        maxInlinePolicyBytes,
      );
      const total = Object.entries({ ...role.InlinePolicies, [policyName]: document }).reduce(
        (sum, [, text]) => sum + Buffer.byteLength(text),
        0,
      );
      if (total > maxInlinePolicyBytes) {
        throw new AwsError(
          'LimitExceeded',
          `Maximum policy size of ${maxInlinePolicyBytes} bytes exceeded for role ${role.RoleName}`,
          409,
        );
      }
      role.InlinePolicies[policyName] = document;
      return undefined;
    },
  },
  GetRolePolicy: {
    write: false,
    authorize: roleCheck('iam:GetRolePolicy'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const policyName = requiredString(params, 'PolicyName');
      const document = role.InlinePolicies[policyName];
      if (document === undefined) {
        throw new AwsError(
          'NoSuchEntity',
          `The role policy with name ${policyName} cannot be found.`,
          404,
        );
      }
      return {
        RoleName: role.RoleName,
        PolicyName: policyName,
        PolicyDocument: encodePolicy(document),
      };
    },
  },
  DeleteRolePolicy: {
    write: true,
    authorize: roleCheck('iam:DeleteRolePolicy'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const policyName = requiredString(params, 'PolicyName');
      if (role.InlinePolicies[policyName] === undefined) {
        throw new AwsError(
          'NoSuchEntity',
          `The role policy with name ${policyName} cannot be found.`,
          404,
        );
      }
      delete role.InlinePolicies[policyName];
      return undefined;
    },
  },
  ListRolePolicies: {
    write: false,
    authorize: roleCheck('iam:ListRolePolicies'),
    run(params, runtime) {
      const role = findRole(runtime, roleNameParam(params));
      const { items, IsTruncated, Marker } = page(Object.keys(role.InlinePolicies).sort(), params);
      return { PolicyNames: items, IsTruncated, Marker };
    },
  },
  CreateOpenIDConnectProvider: {
    write: true,
    authorize(params, runtime) {
      const url = requiredString(params, 'Url').replace(/^https:\/\//, '');
      const resource = oidcArn(runtime, url);
      const checks: AccessCheck[] = [{ action: 'iam:CreateOpenIDConnectProvider', resource }];
      if (listParam(params, 'Tags').length > 0) {
        checks.push({ action: 'iam:TagOpenIDConnectProvider', resource });
      }
      return checks;
    },
    run(params, runtime) {
      const rawUrl = requiredString(params, 'Url');
      if (!rawUrl.startsWith('https://')) {
        throw new AwsError(
          'InvalidInput',
          `Invalid value for Url: ${rawUrl}; it must begin with https://`,
          400,
        );
      }
      const url = rawUrl.slice('https://'.length).replace(/\/$/, '');
      const arn = oidcArn(runtime, url);
      if (runtime.state.iam.oidcProviders[arn] !== undefined) {
        throw new AwsError(
          'EntityAlreadyExists',
          `Provider with url ${rawUrl} already exists.`,
          409,
        );
      }
      const clientIds = listParam<string>(params, 'ClientIDList');
      if (clientIds.length > 100) {
        throw new AwsError(
          'LimitExceeded',
          'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
          409,
        );
      }
      const provider: OidcProviderRecord = {
        Arn: arn,
        Url: url,
        ClientIDList: [...new Set(clientIds)],
        ThumbprintList: thumbprintsParam(params),
        CreateDate: runtime.now(),
        Tags: mergeTags([], tagsParam(params)),
      };
      runtime.state.iam.oidcProviders[arn] = provider;
      return {
        OpenIDConnectProviderArn: arn,
        Tags: provider.Tags.length > 0 ? provider.Tags : undefined,
      };
    },
  },
  GetOpenIDConnectProvider: {
    write: false,
    authorize: oidcCheck('iam:GetOpenIDConnectProvider'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      return {
        Url: provider.Url,
        ClientIDList: provider.ClientIDList,
        ThumbprintList: provider.ThumbprintList,
        CreateDate: new Date(provider.CreateDate),
        Tags: provider.Tags.length > 0 ? provider.Tags : undefined,
      };
    },
  },
  DeleteOpenIDConnectProvider: {
    write: true,
    authorize: oidcCheck('iam:DeleteOpenIDConnectProvider'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      delete runtime.state.iam.oidcProviders[provider.Arn];
      return undefined;
    },
  },
  ListOpenIDConnectProviders: {
    write: false,
    run(_params, runtime) {
      return {
        OpenIDConnectProviderList: Object.keys(runtime.state.iam.oidcProviders)
          .sort()
          .map((arn) => ({ Arn: arn })),
      };
    },
  },
  TagOpenIDConnectProvider: {
    write: true,
    authorize: oidcCheck('iam:TagOpenIDConnectProvider'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      provider.Tags = mergeTags(provider.Tags, tagsParam(params));
      return undefined;
    },
  },
  UntagOpenIDConnectProvider: {
    write: true,
    authorize: oidcCheck('iam:UntagOpenIDConnectProvider'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      const keys = new Set(listParam<string>(params, 'TagKeys'));
      provider.Tags = provider.Tags.filter((tag) => !keys.has(tag.Key));
      return undefined;
    },
  },
  ListOpenIDConnectProviderTags: {
    write: false,
    authorize: oidcCheck('iam:ListOpenIDConnectProviderTags'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      const { items, IsTruncated, Marker } = page(provider.Tags, params);
      return { Tags: items, IsTruncated, Marker };
    },
  },
  UpdateOpenIDConnectProviderThumbprint: {
    write: true,
    authorize: oidcCheck('iam:UpdateOpenIDConnectProviderThumbprint'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      provider.ThumbprintList = thumbprintsParam(params);
      return undefined;
    },
  },
  AddClientIDToOpenIDConnectProvider: {
    write: true,
    authorize: oidcCheck('iam:AddClientIDToOpenIDConnectProvider'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      const clientId = requiredString(params, 'ClientID');
      if (!provider.ClientIDList.includes(clientId)) {
        provider.ClientIDList.push(clientId);
      }
      return undefined;
    },
  },
  RemoveClientIDFromOpenIDConnectProvider: {
    write: true,
    authorize: oidcCheck('iam:RemoveClientIDFromOpenIDConnectProvider'),
    run(params, runtime) {
      const provider = findOidcProvider(runtime, params);
      const clientId = requiredString(params, 'ClientID');
      provider.ClientIDList = provider.ClientIDList.filter((id) => id !== clientId);
      return undefined;
    },
  },
};
