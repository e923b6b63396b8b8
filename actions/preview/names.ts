// The names and tags that tie AWS resources to one pull request's preview. They are the only
// record of a preview in AWS: removal and the sweep find everything from them.
import type { RepositoryName } from '../github/index.ts';

/** Tag whose value names the pull request, `owner/repo#number`. */
export const previewTagKey = 'gitops:preview';
/**
 * Tag with the config environment. Preview resources never carry `gitops:managed-by`, so the
 * engine does not take them for the environment's own resources, and prune leaves them alone.
 */
export const environmentTagKey = 'gitops:environment';

/** Lambda's maximum length of a function name. */
const maxFunctionNameLength = 64;

/** Identifies one preview: the repository, the pull request and the environment. */
export interface PreviewIdentity {
  readonly repository: RepositoryName;
  readonly number: number;
  readonly environment: string;
}

/** Returns the pull request as the tags store it: `owner/repo#number`. */
export function previewId(identity: Pick<PreviewIdentity, 'repository' | 'number'>): string {
  return `${identity.repository.owner}/${identity.repository.repo}#${identity.number}`;
}

/** Returns the tags every AWS resource of the preview carries. */
export function previewTags(identity: PreviewIdentity): Record<string, string> {
  return { [previewTagKey]: previewId(identity), [environmentTagKey]: identity.environment };
}

/** Returns whether `tags` mark a resource of exactly this preview. */
export function isPreviewOf(tags: Readonly<Record<string, string>>, identity: PreviewIdentity) {
  return (
    tags[previewTagKey] === previewId(identity) && tags[environmentTagKey] === identity.environment
  );
}

/** Builds the name of a base function's preview, `<functionName>-pr-<number>`. */
export function previewFunctionName(baseName: string, number: number): string {
  const name = `${baseName}-pr-${number}`;
  if (name.length > maxFunctionNameLength) {
    throw new RangeError(
      `The preview function name ${name} is ${name.length} characters long, more than Lambda's ${maxFunctionNameLength}. Shorten functionName of the base function in the config.`,
    );
  }
  return name;
}

/** Reads the pull request number from a preview function name of `baseName`, if it is one. */
export function previewNumberOf(functionName: string, baseName: string): number | undefined {
  const prefix = `${baseName}-pr-`;
  if (!functionName.startsWith(prefix)) {
    return undefined;
  }
  const rest = functionName.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : undefined;
}

/** Reads the pull request number from a `owner/repo#number` tag value of `repository`. */
export function previewNumberOfId(id: string, repository: RepositoryName): number | undefined {
  const prefix = `${repository.owner}/${repository.repo}#`;
  if (!id.toLowerCase().startsWith(prefix.toLowerCase())) {
    return undefined;
  }
  const rest = id.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : undefined;
}
