// One Lambda execution environment: a bare Node process (no tsx, no loader) started in the
// function's unpacked code folder with the function's environment. It imports the handler that
// `_HANDLER` names, as the Node.js runtime does during the init phase, then runs one invocation
// at a time for its parent over IPC. Plain JavaScript, because Lambda loads plain JavaScript.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** Serialises an error the way the Lambda runtime reports it: errorType, errorMessage, trace. */
function describe(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType: error.name === 'Error' ? fallbackType : error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType, errorMessage: String(error), trace: [] };
}

function runtimeError(errorType, errorMessage) {
  const error = new Error(errorMessage);
  error.name = errorType;
  return error;
}

// Resolves `module.export` against the task root: module.js, module.mjs, then module.cjs.
async function loadHandler(taskRoot, setting) {
  const dot = setting.lastIndexOf('.');
  if (dot <= 0 || dot === setting.length - 1) {
    throw runtimeError('Runtime.MalformedHandlerName', `Bad handler ${setting}`);
  }
  const moduleName = setting.slice(0, dot);
  const exportName = setting.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => join(taskRoot, `${moduleName}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (file === undefined) {
    throw runtimeError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${taskRoot}`,
    );
  }
  const loaded = await import(pathToFileURL(file).href);
  const handler = loaded[exportName] ?? loaded.default?.[exportName];
  if (typeof handler !== 'function') {
    throw runtimeError(
      'Runtime.HandlerNotFound',
      `${moduleName}.${exportName} is undefined or not exported`,
    );
  }
  return handler;
}

function contextFor(message) {
  const { context } = message;
  return {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, context.deadlineMs - Date.now()),
  };
}

let handler;
try {
  handler = await loadHandler(
    process.env.LAMBDA_TASK_ROOT ?? process.cwd(),
    process.env._HANDLER ?? '',
  );
  process.send({ type: 'ready' });
} catch (error) {
  process.send({ type: 'init-error', error: describe(error, 'Runtime.ImportModuleError') });
}

process.on('message', (message) => {
  if (message?.type !== 'invoke' || handler === undefined) {
    return;
  }
  Promise.resolve()
    .then(() => handler(message.event, contextFor(message)))
    .then(
      (result) => process.send({ type: 'result', id: message.id, result: result ?? null }),
      (error) => process.send({ type: 'error', id: message.id, error: describe(error, 'Error') }),
    );
});

// The parent ends the environment by closing the channel. Ctrl-C in a terminal signals the whole
// process group; the parent stops this process after the invocations in flight.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => {});
