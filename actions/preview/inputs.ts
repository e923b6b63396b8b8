// The preview action's inputs, each checked before the first cloud call.
import { input } from '../github/index.ts';
import type { InputValues } from '../github/index.ts';

/** Inputs of the preview action, as action.yml declares them. */
export const previewInputs = {
  mode: input.choice(['deploy', 'remove', 'sweep'], {
    fix: 'Use deploy when a pull request opens or gets a push, remove when it closes, and sweep on a schedule.',
  }),
  environment: input.text({
    pattern: /^[a-z][a-z0-9-]*$/,
    rule: 'a config name such as dev',
    fix: 'Use the name of a file in the config folder without .yaml, such as dev.',
  }),
  config_dir: input.text({ default: 'config', fix: 'Name the folder of the config files.' }),
  role_arn: input.optional(
    input.roleArn({
      fix: 'Pass the ARN of the preview role, or leave it empty to use aws.github.previewRole of the config.',
    }),
  ),
  aws_region: input.optional(
    input.region({ fix: 'Use the region of the roles, or leave it empty for aws.region.' }),
  ),
  okta_secret: input.optional(
    input.text({
      fix: 'Name the Secrets Manager secret with the Okta credentials, or leave it empty to read them from the step env or the config secret ending in /okta.',
    }),
  ),
  github_token: input.text({
    secret: true,
    fix: 'Pass ${{ github.token }}; the job needs "permissions: pull-requests: write".',
  }),
  target: input.choice(['cloud', 'local'], {
    default: 'cloud',
    fix: 'Use cloud; local is only for runs against the stand-ins.',
  }),
};

export type PreviewInputs = InputValues<typeof previewInputs>;
