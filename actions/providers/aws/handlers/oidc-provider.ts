// `aws:iam:OpenIDConnectProvider`: the account's identity provider for GitHub Actions' OIDC tokens.
// IAM keys providers by issuer URL, so the ARN follows from the account and the URL.
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import type { GetOpenIDConnectProviderCommandOutput } from '@aws-sdk/client-iam';
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
  SpecValue,
} from '../../../engine/provider.ts';
import { ProviderError } from '../../../engine/provider.ts';
import { hasVendorCode, isNotFound } from '../errors.ts';
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

export interface OidcProviderSpec {
  /** Issuer URL with its scheme, such as `https://token.actions.githubusercontent.com`. */
  url: string;
  clientIDList: string[];
  thumbprintList?: string[];
  tags?: Record<string, string>;
}

function specOf(resource: DesiredResource): OidcProviderSpec {
  return resource.spec as unknown as OidcProviderSpec;
}

/** Returns the provider's ARN, which IAM derives from the issuer URL without its scheme. */
export function oidcProviderArn(accountId: string, url: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${url.replace(/^https:\/\//, '').replace(/\/$/, '')}`;
}

export function createOidcProviderHandler(runtime: AwsRuntime): ResourceHandler {
  const iam = () => runtime.clients.iam;

  const get = async (
    context: ProviderContext,
    arn: string,
  ): Promise<GetOpenIDConnectProviderCommandOutput | undefined> => {
    try {
      return await runtime.call(context, 'iam:GetOpenIDConnectProvider', arn, (options) =>
        iam().send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }), options),
      );
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  };

  const observation = (
    arn: string,
    output: GetOpenIDConnectProviderCommandOutput,
    ownership: 'owned' | 'foreign',
  ): Observation => {
    const url = `https://${output.Url ?? ''}`;
    const spec: Record<string, SpecValue> = {
      url,
      clientIDList: [...(output.ClientIDList ?? [])].sort(),
      thumbprintList: [...(output.ThumbprintList ?? [])].map((item) => item.toLowerCase()).sort(),
      tags: userTags(tagMap(output.Tags)),
    };
    return { id: arn, spec, outputs: { arn, url }, ownership };
  };

  const observe = async (context: ProviderContext, resource: DesiredResource) => {
    await runtime.guard(context);
    const arn = oidcProviderArn(runtime.accountId, specOf(resource).url);
    const output = await get(context, arn);
    if (output === undefined) {
      return undefined;
    }
    return observation(
      arn,
      output,
      ownershipOf(tagMap(output.Tags), context.marker(resource.address)),
    );
  };

  const converge = async (
    context: ProviderContext,
    resource: DesiredResource,
    arn: string,
    current: GetOpenIDConnectProviderCommandOutput,
  ) => {
    const desired = specOf(resource);
    const currentThumbprints = (current.ThumbprintList ?? [])
      .map((item) => item.toLowerCase())
      .sort();
    if (
      desired.thumbprintList !== undefined &&
      JSON.stringify([...desired.thumbprintList].sort()) !== JSON.stringify(currentThumbprints)
    ) {
      await runtime.call(context, 'iam:UpdateOpenIDConnectProviderThumbprint', arn, (options) =>
        iam().send(
          new UpdateOpenIDConnectProviderThumbprintCommand({
            OpenIDConnectProviderArn: arn,
            ThumbprintList: desired.thumbprintList,
          }),
          options,
        ),
      );
      context.log.info(`updated the thumbprints of OIDC provider ${arn}`);
    }
    const clientIds = new Set(current.ClientIDList ?? []);
    for (const clientId of desired.clientIDList.filter((item) => !clientIds.has(item)).sort()) {
      await runtime.call(context, 'iam:AddClientIDToOpenIDConnectProvider', arn, (options) =>
        iam().send(
          new AddClientIDToOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            ClientID: clientId,
          }),
          options,
        ),
      );
      context.log.info(`added client id ${clientId} to OIDC provider ${arn}`);
    }
    for (const clientId of [...clientIds]
      .filter((item) => !desired.clientIDList.includes(item))
      .sort()) {
      await runtime.call(context, 'iam:RemoveClientIDFromOpenIDConnectProvider', arn, (options) =>
        iam().send(
          new RemoveClientIDFromOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            ClientID: clientId,
          }),
          options,
        ),
      );
      context.log.info(`removed client id ${clientId} from OIDC provider ${arn}`);
    }
    const tags = tagMap(current.Tags);
    const changes = tagChanges(
      tags,
      desiredTags(desired.tags, tags, context.marker(resource.address)),
    );
    if (Object.keys(changes.set).length > 0) {
      await runtime.call(context, 'iam:TagOpenIDConnectProvider', arn, (options) =>
        iam().send(
          new TagOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            Tags: tagList(changes.set),
          }),
          options,
        ),
      );
      context.log.info(
        `tagged OIDC provider ${arn}: ${Object.keys(changes.set).sort().join(', ')}`,
      );
    }
    if (changes.remove.length > 0) {
      await runtime.call(context, 'iam:UntagOpenIDConnectProvider', arn, (options) =>
        iam().send(
          new UntagOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            TagKeys: changes.remove,
          }),
          options,
        ),
      );
      context.log.info(`removed tags from OIDC provider ${arn}: ${changes.remove.join(', ')}`);
    }
  };

  const handler: ResourceHandler = {
    kind: 'aws:iam:OpenIDConnectProvider',
    fields: {
      url: { replaceOnChange: true },
      clientIDList: { compare: 'set' },
      thumbprintList: { compare: 'set' },
    },
    outputs: ['arn', 'url'],
    identity: ['url'],
    observe,

    async create(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      let arn: string;
      try {
        const output = await runtime.call(
          context,
          'iam:CreateOpenIDConnectProvider',
          desired.url,
          (options) =>
            iam().send(
              new CreateOpenIDConnectProviderCommand({
                Url: desired.url,
                ClientIDList: desired.clientIDList,
                ThumbprintList: desired.thumbprintList,
                Tags: tagList(desiredTags(desired.tags, {}, context.marker(resource.address))),
              }),
              options,
            ),
        );
        arn = output.OpenIDConnectProviderArn ?? oidcProviderArn(runtime.accountId, desired.url);
      } catch (error) {
        if (hasVendorCode(error, 'EntityAlreadyExists')) {
          return adoptExisting(handler, context, resource, 'OIDC provider', error as ProviderError);
        }
        throw error;
      }
      context.log.info(`created OIDC provider ${arn}`);
      return {
        id: arn,
        spec: { ...resource.spec, tags: desired.tags ?? {} },
        outputs: { arn, url: desired.url },
        ownership: 'owned',
      };
    },

    async update(context, resource) {
      await runtime.guard(context);
      const arn = oidcProviderArn(runtime.accountId, specOf(resource).url);
      const current = await get(context, arn);
      if (current === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `OIDC provider ${arn} no longer exists; plan again to create it.`,
        );
      }
      await converge(context, resource, arn, current);
      const refreshed = await observe(context, resource);
      if (refreshed === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `OIDC provider ${arn} disappeared during the update; plan again.`,
        );
      }
      return refreshed;
    },

    async delete(context, observed) {
      await runtime.guard(context);
      try {
        await runtime.call(context, 'iam:DeleteOpenIDConnectProvider', observed.id, (options) =>
          iam().send(
            new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: observed.id }),
            options,
          ),
        );
        context.log.info(`deleted OIDC provider ${observed.id}`);
      } catch (error) {
        if (!isNotFound(error)) {
          throw error;
        }
      }
    },

    async list(context) {
      await runtime.guard(context);
      const output = await runtime.call(
        context,
        'iam:ListOpenIDConnectProviders',
        'the account',
        (options) => iam().send(new ListOpenIDConnectProvidersCommand({}), options),
      );
      const owned: Array<Observation & { address: string; name: string }> = [];
      for (const entry of output.OpenIDConnectProviderList ?? []) {
        const arn = entry.Arn ?? '';
        const provider = await get(context, arn);
        if (provider === undefined || !ownedByEnvironment(tagMap(provider.Tags), context)) {
          continue;
        }
        owned.push({
          ...observation(arn, provider, 'owned'),
          address: tagMap(provider.Tags)[markerKeys.address] ?? '',
          name: provider.Url ?? arn,
        });
      }
      return owned.sort((left, right) => left.address.localeCompare(right.address));
    },
  };
  return handler;
}
