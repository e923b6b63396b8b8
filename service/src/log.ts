// Structured logs: one JSON object per line on stdout, which CloudWatch Logs stores as is. Every
// string that reaches a record passes through `redactSecrets` first.
import type { LogLevel } from './config.ts';

/** Values a log record may carry. Errors are serialised with name, code, message and stack. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Receives each record as one line without the newline. Defaults to stdout. */
  write?: (line: string) => void;
  now?: () => Date;
}

const severity: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Creates a logger that writes records at `level` and above as JSON lines. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const minimum = severity[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());

  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (severity[level] < minimum) {
      return;
    }
    const record = {
      time: now().toISOString(),
      level,
      message: redactSecrets(message),
      ...(sanitize(fields, 0) as LogFields),
    };
    write(JSON.stringify(record));
  };

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

/** A logger that drops every record. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const secretPatterns: readonly [RegExp, string][] = [
  // Credentials in any URL, such as mongodb+srv://user:password@host.
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1[redacted]@'],
  // Compact JWS and JWE: bearer tokens, ID tokens.
  [/\beyJ[\w-]*\.[\w-]*\.[\w.-]*/g, '[redacted jwt]'],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]'],
  // AWS access key ids; the secret key never appears without one in SDK errors.
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted aws key]'],
];

/** Replaces URL credentials, JWTs, Authorization values and AWS key ids in `text`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of secretPatterns) {
    result = result.replace(pattern, replacement);
  }
  return result;
}

/** Serialises an error for a log record, without its secrets. */
export function describeError(error: unknown, depth = 0): LogFields {
  if (!(error instanceof Error)) {
    return { message: redactSecrets(String(error)) };
  }
  const code = (error as { code?: unknown }).code;
  const description: LogFields = {
    name: error.name,
    message: redactSecrets(error.message),
  };
  if (typeof code === 'string' || typeof code === 'number') {
    description.code = code;
  }
  if (error.stack !== undefined) {
    description.stack = redactSecrets(error.stack);
  }
  // Causes can form a cycle, so only the first three are followed.
  if (error.cause !== undefined && depth < 3) {
    description.cause = describeError(error.cause, depth + 1);
  }
  return description;
}

function sanitize(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return redactSecrets(value);
  }
  if (value instanceof Error) {
    return describeError(value);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (depth > 5) {
    return '[nested too deep]';
  }
  if (Array.isArray(value)) {
    return value.map((item) => sanitize(item, depth + 1));
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, sanitize(item, depth + 1)]),
  );
}
