// `aws:iam:Role`: an IAM role with its trust policy, managed policy attachments, inline policies,
// description, maximum session duration and tags. Policies are compared by meaning, because IAM
// returns them URL-encoded and reshaped.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import type { Role } from '@aws-sdk/client-iam';
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
  SpecValue,
} from '../../../engine/provider.ts';
import { ProviderError } from '../../../engine/provider.ts';
import { hasVendorCode, isNotFound } from '../errors.ts';
import { observedPolicy, policiesEqual, decodePolicy, policyText } from '../policy.ts';
import type { AwsRuntime } from '../runtime.ts';
import {
  desiredTags,
  markerKeys,
  ownedByEnvironment,
  ownershipOf,
  tagChanges,
  tagList,
  tagMap,
  userTags,
} from '../tags.ts';
import { adoptExisting } from './adopt.ts';

export interface RoleSpec {
  roleName: string;
  description?: string;
  assumeRolePolicyDocument: SpecValue;
  managedPolicyArns?: string[];
  inlinePolicies?: Record<string, SpecValue>;
  maxSessionDuration?: number;
  tags?: Record<string, string>;
}

/** Collects every page of an IAM list call that pages with `Marker`/`IsTruncated`. */
export async function allPages<T>(
  fetch: (
    marker: string | undefined,
  ) => Promise<{ items: T[]; IsTruncated?: boolean; Marker?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    items.push(...page.items);
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return items;
}

function specOf(resource: DesiredResource): RoleSpec {
  return resource.spec as unknown as RoleSpec;
}

export function createRoleHandler(runtime: AwsRuntime): ResourceHandler {
  const iam = () => runtime.clients.iam;

  const getRole = async (context: ProviderContext, roleName: string): Promise<Role | undefined> => {
    try {
      const output = await runtime.call(context, 'iam:GetRole', `role ${roleName}`, (options) =>
        iam().send(new GetRoleCommand({ RoleName: roleName }), options),
      );
      return output.Role;
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  };

  const attachedPolicies = (context: ProviderContext, roleName: string) =>
    allPages(async (marker) => {
      const page = await runtime.call(
        context,
        'iam:ListAttachedRolePolicies',
        `role ${roleName}`,
        (options) =>
          iam().send(
            new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker }),
            options,
          ),
      );
      return {
        ...page,
        items: (page.AttachedPolicies ?? []).map((policy) => policy.PolicyArn ?? ''),
      };
    });

  const inlinePolicyNames = (context: ProviderContext, roleName: string) =>
    allPages(async (marker) => {
      const page = await runtime.call(
        context,
        'iam:ListRolePolicies',
        `role ${roleName}`,
        (options) =>
          iam().send(new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker }), options),
      );
      return { ...page, items: page.PolicyNames ?? [] };
    });

  const inlinePolicy = async (context: ProviderContext, roleName: string, policyName: string) => {
    const output = await runtime.call(
      context,
      'iam:GetRolePolicy',
      `role ${roleName} policy ${policyName}`,
      (options) =>
        iam().send(
          new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
          options,
        ),
    );
    return output.PolicyDocument ?? '{}';
  };

  const observation = (
    role: Role,
    spec: Record<string, SpecValue>,
    ownership: 'owned' | 'foreign',
  ): Observation => ({
    id: role.Arn ?? '',
    spec,
    outputs: { arn: role.Arn ?? '', roleName: role.RoleName ?? '', roleId: role.RoleId ?? '' },
    ownership,
  });

  const observe = async (
    context: ProviderContext,
    resource: DesiredResource,
  ): Promise<Observation | undefined> => {
    await runtime.guard(context);
    const desired = specOf(resource);
    const role = await getRole(context, desired.roleName);
    if (role === undefined) {
      return undefined;
    }
    const tags = tagMap(role.Tags);
    const spec: Record<string, SpecValue> = {
      roleName: role.RoleName ?? desired.roleName,
      assumeRolePolicyDocument: observedPolicy(
        desired.assumeRolePolicyDocument,
        role.AssumeRolePolicyDocument ?? '{}',
      ),
      maxSessionDuration: role.MaxSessionDuration ?? 3600,
      tags: userTags(tags),
    };
    if (role.Description !== undefined) {
      spec.description = role.Description;
    }
    // Attachments and inline policies cost extra calls, so they are read only when the config
    // manages them.
    if (desired.managedPolicyArns !== undefined) {
      spec.managedPolicyArns = (await attachedPolicies(context, desired.roleName)).sort();
    }
    if (desired.inlinePolicies !== undefined) {
      const names = (await inlinePolicyNames(context, desired.roleName)).sort();
      const policies: Record<string, SpecValue> = {};
      for (const name of names) {
        policies[name] = observedPolicy(
          desired.inlinePolicies[name],
          await inlinePolicy(context, desired.roleName, name),
        );
      }
      spec.inlinePolicies = policies;
    }
    return observation(role, spec, ownershipOf(tags, context.marker(resource.address)));
  };

  /** Brings attachments, inline policies and tags of an existing role to the desired state. */
  const converge = async (
    context: ProviderContext,
    resource: DesiredResource,
    role: Role,
  ): Promise<void> => {
    const desired = specOf(resource);
    const roleName = desired.roleName;

    if (
      (desired.description !== undefined && desired.description !== (role.Description ?? '')) ||
      (desired.maxSessionDuration !== undefined &&
        desired.maxSessionDuration !== role.MaxSessionDuration)
    ) {
      await runtime.call(context, 'iam:UpdateRole', `role ${roleName}`, (options) =>
        iam().send(
          new UpdateRoleCommand({
            RoleName: roleName,
            Description: desired.description,
            MaxSessionDuration: desired.maxSessionDuration,
          }),
          options,
        ),
      );
      context.log.info(`updated description and session duration of IAM role ${roleName}`);
    }

    if (
      !policiesEqual(
        desired.assumeRolePolicyDocument,
        decodePolicy(role.AssumeRolePolicyDocument ?? '{}'),
      )
    ) {
      await runtime.call(context, 'iam:UpdateAssumeRolePolicy', `role ${roleName}`, (options) =>
        iam().send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: roleName,
            PolicyDocument: policyText(desired.assumeRolePolicyDocument),
          }),
          options,
        ),
      );
      context.log.info(`updated the trust policy of IAM role ${roleName}`);
    }

    if (desired.managedPolicyArns !== undefined) {
      const attached = new Set(await attachedPolicies(context, roleName));
      const expected = new Set(desired.managedPolicyArns);
      const changes = [
        ...[...expected].filter((arn) => !attached.has(arn)).map((arn) => ({ arn, attach: true })),
        ...[...attached].filter((arn) => !expected.has(arn)).map((arn) => ({ arn, attach: false })),
      ].sort(
        (left, right) =>
          Number(right.attach) - Number(left.attach) || left.arn.localeCompare(right.arn),
      );
      for (const { arn, attach } of changes) {
        const input = { RoleName: roleName, PolicyArn: arn };
        await runtime.call(
          context,
          attach ? 'iam:AttachRolePolicy' : 'iam:DetachRolePolicy',
          `role ${roleName} policy ${arn}`,
          (options) =>
            attach
              ? iam().send(new AttachRolePolicyCommand(input), options)
              : iam().send(new DetachRolePolicyCommand(input), options),
        );
        context.log.info(
          attach
            ? `attached ${arn} to IAM role ${roleName}`
            : `detached ${arn} from IAM role ${roleName}`,
        );
      }
    }

    if (desired.inlinePolicies !== undefined) {
      const wanted = desired.inlinePolicies;
      const existing = await inlinePolicyNames(context, roleName);
      for (const name of Object.keys(wanted).sort()) {
        const same =
          existing.includes(name) &&
          policiesEqual(wanted[name], decodePolicy(await inlinePolicy(context, roleName, name)));
        if (!same) {
          await runtime.call(
            context,
            'iam:PutRolePolicy',
            `role ${roleName} policy ${name}`,
            (options) =>
              iam().send(
                new PutRolePolicyCommand({
                  RoleName: roleName,
                  PolicyName: name,
                  PolicyDocument: policyText(wanted[name]),
                }),
                options,
              ),
          );
          context.log.info(`put inline policy ${name} on IAM role ${roleName}`);
        }
      }
      for (const name of existing.filter((item) => !(item in wanted)).sort()) {
        await runtime.call(
          context,
          'iam:DeleteRolePolicy',
          `role ${roleName} policy ${name}`,
          (options) =>
            iam().send(
              new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
              options,
            ),
        );
        context.log.info(`deleted inline policy ${name} from IAM role ${roleName}`);
      }
    }

    const current = tagMap(role.Tags);
    const changes = tagChanges(
      current,
      desiredTags(desired.tags, current, context.marker(resource.address)),
    );
    if (Object.keys(changes.set).length > 0) {
      await runtime.call(context, 'iam:TagRole', `role ${roleName}`, (options) =>
        iam().send(new TagRoleCommand({ RoleName: roleName, Tags: tagList(changes.set) }), options),
      );
      context.log.info(
        `tagged IAM role ${roleName}: ${Object.keys(changes.set).sort().join(', ')}`,
      );
    }
    if (changes.remove.length > 0) {
      await runtime.call(context, 'iam:UntagRole', `role ${roleName}`, (options) =>
        iam().send(new UntagRoleCommand({ RoleName: roleName, TagKeys: changes.remove }), options),
      );
      context.log.info(`removed tags from IAM role ${roleName}: ${changes.remove.join(', ')}`);
    }
  };

  const handler: ResourceHandler = {
    kind: 'aws:iam:Role',
    fields: {
      roleName: { replaceOnChange: true },
      assumeRolePolicyDocument: { compare: 'json' },
      managedPolicyArns: { compare: 'set' },
      inlinePolicies: { compare: 'json' },
    },
    outputs: ['arn', 'roleName', 'roleId'],
    identity: ['roleName'],
    observe,

    async create(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      let role: Role | undefined;
      try {
        const output = await runtime.call(
          context,
          'iam:CreateRole',
          `role ${desired.roleName}`,
          (options) =>
            iam().send(
              new CreateRoleCommand({
                RoleName: desired.roleName,
                AssumeRolePolicyDocument: policyText(desired.assumeRolePolicyDocument),
                Description: desired.description,
                MaxSessionDuration: desired.maxSessionDuration,
                Tags: tagList(desiredTags(desired.tags, {}, context.marker(resource.address))),
              }),
              options,
            ),
        );
        role = output.Role;
      } catch (error) {
        if (hasVendorCode(error, 'EntityAlreadyExists')) {
          return adoptExisting(handler, context, resource, 'IAM role', error as ProviderError);
        }
        throw error;
      }
      context.log.info(`created IAM role ${desired.roleName}`);
      if (role === undefined) {
        throw new ProviderError(
          'UNAVAILABLE',
          `iam:CreateRole on role ${desired.roleName} returned no role`,
        );
      }
      await converge(context, resource, role);
      return observation(role, { ...resource.spec, tags: desired.tags ?? {} }, 'owned');
    },

    async update(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      const role = await getRole(context, desired.roleName);
      if (role === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `IAM role ${desired.roleName} no longer exists; plan again to create it.`,
        );
      }
      await converge(context, resource, role);
      const refreshed = await observe(context, resource);
      if (refreshed === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `IAM role ${desired.roleName} disappeared during the update; plan again.`,
        );
      }
      return refreshed;
    },

    async delete(context, observed) {
      await runtime.guard(context);
      const roleName = String(observed.outputs.roleName);
      try {
        for (const arn of await attachedPolicies(context, roleName)) {
          await runtime.call(
            context,
            'iam:DetachRolePolicy',
            `role ${roleName} policy ${arn}`,
            (options) =>
              iam().send(
                new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn }),
                options,
              ),
          );
        }
        for (const name of await inlinePolicyNames(context, roleName)) {
          await runtime.call(
            context,
            'iam:DeleteRolePolicy',
            `role ${roleName} policy ${name}`,
            (options) =>
              iam().send(
                new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
                options,
              ),
          );
        }
        await runtime.call(context, 'iam:DeleteRole', `role ${roleName}`, (options) =>
          iam().send(new DeleteRoleCommand({ RoleName: roleName }), options),
        );
        context.log.info(`deleted IAM role ${roleName}`);
      } catch (error) {
        if (!isNotFound(error)) {
          throw error;
        }
      }
    },

    async list(context) {
      await runtime.guard(context);
      const roles = await allPages(async (marker) => {
        const page = await runtime.call(context, 'iam:ListRoles', 'the account', (options) =>
          iam().send(new ListRolesCommand({ Marker: marker }), options),
        );
        return { ...page, items: page.Roles ?? [] };
      });
      const owned: Array<Observation & { address: string; name: string }> = [];
      // ListRoles leaves out tags, so each role's tags cost one more call.
      for (const role of roles) {
        const roleName = role.RoleName ?? '';
        let tags: Record<string, string>;
        try {
          tags = tagMap(
            await allPages(async (marker) => {
              const page = await runtime.call(
                context,
                'iam:ListRoleTags',
                `role ${roleName}`,
                (options) =>
                  iam().send(
                    new ListRoleTagsCommand({ RoleName: roleName, Marker: marker }),
                    options,
                  ),
              );
              return { ...page, items: page.Tags ?? [] };
            }),
          );
        } catch (error) {
          if (isNotFound(error)) {
            continue;
          }
          throw error;
        }
        if (!ownedByEnvironment(tags, context)) {
          continue;
        }
        const address = tags[markerKeys.address] ?? '';
        owned.push({
          ...observation(
            role,
            {
              roleName,
              assumeRolePolicyDocument: decodePolicy(role.AssumeRolePolicyDocument ?? '{}'),
              maxSessionDuration: role.MaxSessionDuration ?? 3600,
              tags: userTags(tags),
            },
            'owned',
          ),
          address,
          name: roleName,
        });
      }
      return owned.sort((left, right) => left.address.localeCompare(right.address));
    },
  };
  return handler;
}
