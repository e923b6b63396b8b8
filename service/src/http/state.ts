import type { ParameterizedContext } from 'koa';
import type { AccessToken } from '../auth/verifier.ts';

/** What the middleware chain stores on `ctx.state` for later middleware and the request log. */
export interface ServiceState {
  /** The Lambda request id on Lambda, a generated UUID elsewhere. */
  requestId: string;
  /** The API Gateway or function URL request id, when the request came through one. */
  apiRequestId?: string;
  /** The verified caller, set by the access token middleware. */
  caller?: AccessToken;
}

export type ServiceContext = ParameterizedContext<ServiceState>;
