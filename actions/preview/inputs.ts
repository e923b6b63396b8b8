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
  role_arn: input.roleArn({
    fix: 'Set the repository variable AWS_PREVIEW_ROLE_ARN to the ARN of the preview role.',
  }),
  aws_region: input.region({ default: 'us-east-1', fix: 'Use the region of the roles.' }),
  okta_secret: input.optional(
    input.text({
      fix: 'Name the Secrets Manager secret with the Okta credentials (one of aws.github.secretNames), or leave it empty to read them from the step env.',
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
