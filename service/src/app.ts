import Koa from 'koa';

export interface AppOptions {
  version: string;
}

/** Builds the Koa app. `app.callback()` is the seam that the Lambda handler and tests wrap. */
export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = { status: 'ok', version: options.version };
      return;
    }
    ctx.status = 404;
    ctx.body = { status: 404, title: 'Not Found' };
  });
  return app;
}
