// The runner glue: what an action entry composes with the engine and the providers.
export { annotateProblems } from './annotations.ts';
export type { LocatedProblem } from './annotations.ts';
export {
  assumeRoleWithGitHubOidc,
  createOidcCredentialProvider,
  roleSessionName,
  stsAudience,
} from './aws-credentials.ts';
export type { AssumeRoleOptions, AwsCredentials } from './aws-credentials.ts';
export { checkMarker, reconcileCheckIssue } from './check-issues.ts';
export type { CheckIssueOptions, CheckIssueResult, CheckKind } from './check-issues.ts';
export { createGitHubClient, rateLimitDelayMs } from './client.ts';
export type { GitHubClient, GitHubClientOptions } from './client.ts';
export { readRunContext } from './context.ts';
export type { ForkOrigin, PullRequestContext, RepositoryName, RunContext } from './context.ts';
export { ActionError, StepSkipped } from './errors.ts';
export type { ActionErrorCode, InputProblem } from './errors.ts';
export { inGroup, runnerLogger, withProviderGroups } from './groups.ts';
export { formatInputProblem, input, readInputs } from './inputs.ts';
export type { InputDefinition, InputSource, InputSpec, InputValues } from './inputs.ts';
export { basicAuthorization, maskSecret, maskSecretForms } from './masking.ts';
export { publishPlan } from './publish-plan.ts';
export type { PublishPlanOptions, PublishPlanResult } from './publish-plan.ts';
export { reportFailure, runAction } from './run.ts';
export {
  findPullRequestNumber,
  maxCommentCharacters,
  planMarker,
  upsertStickyComment,
} from './sticky-comment.ts';
export type { StickyCommentOptions, StickyCommentResult } from './sticky-comment.ts';
export { maxSummaryBytes, writeJobSummary } from './summary.ts';
export { readVariable, writeVariable } from './variables.ts';
export type { VariableTarget } from './variables.ts';
export {
  createRunnerSecretResolver,
  credentialKeys,
  readCredentialVariables,
  readVendorCredentials,
} from './vendor-credentials.ts';
export type {
  AtlasCredentials,
  CredentialSource,
  OktaCredentials,
  Vendor,
  VendorCredentials,
} from './vendor-credentials.ts';
