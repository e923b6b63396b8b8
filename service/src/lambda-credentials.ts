// Replaces @aws-sdk/credential-providers for the MongoDB driver inside the Lambda bundle (see
// service/build.ts). For MONGODB-AWS the driver calls `fromNodeProviderChain()`, whose profile,
// SSO and instance-metadata sources add about 300 kB to the bundle. Lambda passes the execution
// role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which is
// the first source that chain reads, so here the chain is the environment source alone.
import { fromEnv } from '@aws-sdk/credential-providers';

export { fromEnv };

/** Returns the environment credential provider, ignoring the chain's options. */
export function fromNodeProviderChain(): ReturnType<typeof fromEnv> {
  return fromEnv();
}
