// The parts of the environment's config that previews use: the functions to copy, and the Okta
// org and app. The config is loaded and validated as the plan action does, with providers that
// send no request, so a config problem is annotated at its line before any cloud call.
import { validateConfig } from '../plan/session.ts';
import type { AwsSection } from '../providers/aws/index.ts';
import type { OktaSection } from '../providers/okta/index.ts';
import type { PreviewInputs } from './inputs.ts';

/** A function of `aws.functions` that each preview copies. */
export interface BaseFunction {
  /** Key under `aws.functions`, such as `api`. */
  readonly key: string;
  readonly functionName: string;
  /** Alias the base function's URL invokes and that the preview gets too. */
  readonly alias: string;
  /** Path of the build artifact, relative to the checkout. */
  readonly artifact: string;
  readonly logRetentionInDays: number | undefined;
}

/** The parts of one environment's config that its previews use. */
export interface PreviewConfig {
  readonly environment: string;
  /** Branch of the environment; deploy and remove runs must be for pull requests to it. */
  readonly branch: string;
  readonly region: string;
  readonly functions: readonly BaseFunction[];
  /** The Okta org and the address of the app that gets the preview redirect URIs, if any. */
  readonly okta: { readonly orgUrl: string; readonly appAddress: string | undefined } | undefined;
  /** The raw `aws` section, for the role and secret defaults of `config-defaults.ts`. */
  readonly declared: { readonly aws: unknown };
}

/** The Okta app that gets preview redirect URIs: the single-page app of the docs page. */
export const previewAppKey = 'spa';

type Environment = Readonly<Record<string, string | undefined>>;

/** Loads and validates the config, then picks what previews need. Sends no request. */
export async function loadPreviewConfig(
  inputs: PreviewInputs,
  cwd: string,
  env: Environment,
): Promise<PreviewConfig> {
  const { config } = await validateConfig(inputs, env, cwd);
  const aws = config.sections.aws as AwsSection | undefined;
  const okta = config.sections.okta as OktaSection | undefined;
  const functions = Object.entries(aws?.functions ?? {})
    .map(([key, fn]) => ({
      key,
      functionName: fn.functionName,
      alias: fn.alias ?? '',
      artifact: fn.code.artifact,
      logRetentionInDays: fn.logRetentionInDays,
    }))
    .sort((left, right) => left.key.localeCompare(right.key));
  const withoutAlias = functions.filter((fn) => fn.alias === '').map((fn) => fn.key);
  if (withoutAlias.length > 0) {
    throw new Error(
      `Previews copy a function through its alias, but aws.functions.${withoutAlias.join(', aws.functions.')} ${withoutAlias.length === 1 ? 'has' : 'have'} no alias. Set alias (such as live) in ${inputs.config_dir}/${inputs.environment}.yaml.`,
    );
  }
  return {
    environment: config.environment,
    branch: config.branch,
    region: aws?.region ?? inputs.aws_region ?? 'us-east-1',
    functions,
    okta:
      okta === undefined
        ? undefined
        : {
            orgUrl: okta.orgUrl,
            appAddress:
              okta.apps?.[previewAppKey] === undefined ? undefined : `okta.apps.${previewAppKey}`,
          },
    declared: { aws },
  };
}
