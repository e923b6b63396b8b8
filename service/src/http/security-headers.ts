import type { Middleware } from 'koa';
import type { ServiceState } from './state.ts';

/**
 * Adds headers that keep API responses out of caches and browsers' content sniffing. A route that
 * sets its own Cache-Control or Content-Security-Policy (the docs pages) keeps it.
 */
export function securityHeaders(): Middleware<ServiceState> {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      ctx.set('X-Content-Type-Options', 'nosniff');
      if (!ctx.res.hasHeader('Cache-Control')) {
        ctx.set('Cache-Control', 'no-store');
      }
      if (!ctx.res.hasHeader('Content-Security-Policy')) {
        ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
      }
    }
  };
}
