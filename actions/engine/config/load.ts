// Loading one environment's config: read YAML with positions, merge the base defaults, check
// secrets, keys, schema, the providers' cross-field rules, references and placeholders, and
// report every problem at once before any API call.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap } from 'yaml';
import { buildGraph } from '../graph.ts';
import { formatPath } from '../paths.ts';
import type { PathSegment } from '../paths.ts';
import type { Provider } from '../provider.ts';
import { declareResources } from '../resources.ts';
import type { ReconcileConfig } from '../resources.ts';
import { extractSecrets } from '../secrets.ts';
import { didYouMean } from '../suggest.ts';
import { baseFileName, environmentFile, listEnvironments, readBranches } from './environments.ts';
import { describeIssues } from './issues.ts';
import { allowedKeysAt, findUnknownKeys } from './keys.ts';
import { findPlaceholders } from './placeholders.ts';
import type { Target } from './placeholders.ts';
import { sortProblems } from './problems.ts';
import type { Problem } from './problems.ts';
import { buildConfigSchema, configJsonSchema } from './schema.ts';
import { locate, mergeConfig, readSource } from './source.ts';
import type { SourceFile } from './source.ts';

export interface LoadOptions {
  readonly configDir: string;
  readonly environment: string;
  readonly providers: readonly Provider[];
  /** `cloud` rejects the template's placeholder ids; `local` allows them for the stand-ins. */
  readonly target: Target;
  /** Directory that file paths in problems are relative to. Default: the working directory. */
  readonly displayRoot?: string;
}

/** A validated environment config. */
export interface LoadedConfig extends ReconcileConfig {
  readonly branch: string;
  /** Files read, as shown in problems: the environment file, then the base file if any. */
  readonly files: readonly string[];
}

export interface LoadResult {
  /** Present when there is no error; warnings may still be listed. */
  readonly config?: LoadedConfig;
  readonly problems: readonly Problem[];
}

interface Located {
  readonly rule: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly atKey?: boolean;
  readonly severity?: 'error' | 'warning';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function toProblem(sources: readonly SourceFile[], item: Located): Problem {
  const position = locate(sources, item.path, { key: item.atKey === true });
  return {
    rule: item.rule,
    path: formatPath(item.path),
    message: item.message,
    ...(position === undefined ? {} : { position }),
    severity: item.severity ?? 'error',
  };
}

/** Converts a resource address and spec path to the config path it most likely came from. */
function configPath(address: string, path: readonly PathSegment[]): PathSegment[] {
  return [...address.split('.'), ...path];
}

function checkStructure(sources: readonly SourceFile[]): Located[] {
  return sources
    .filter((source) => source.document.contents !== null && !isMap(source.document.contents))
    .map(() => ({
      rule: 'config.not-a-map',
      path: [],
      message:
        'the file must be a YAML map of keys such as environment, branch and one section per provider',
    }));
}

async function checkEnvironment(
  options: LoadOptions,
  parsed: { environment: string; branch: string },
): Promise<Located[]> {
  const found: Located[] = [];
  if (parsed.environment !== options.environment) {
    found.push({
      rule: 'config.environment-mismatch',
      path: ['environment'],
      message: `environment is "${parsed.environment}" but the file is ${options.environment}.yaml; make them the same`,
    });
  }
  const branches = await readBranches(options.configDir);
  const others = [...branches.entries()]
    .filter(
      ([environment, branch]) => environment !== options.environment && branch === parsed.branch,
    )
    .map(([environment]) => `${environment}.yaml`);
  if (others.length > 0) {
    found.push({
      rule: 'config.branch-duplicate',
      path: ['branch'],
      message: `branch "${parsed.branch}" is also the branch of ${others.join(', ')}; each branch deploys exactly one environment, so give each file its own branch`,
    });
  }
  return found;
}

function checkProviders(
  providers: readonly Provider[],
  config: Record<string, unknown>,
): Located[] {
  const found: Located[] = [];
  for (const provider of providers) {
    const section = config[provider.name];
    if (section === undefined || provider.check === undefined) {
      continue;
    }
    for (const problem of provider.check(section)) {
      found.push({
        rule: problem.rule,
        path: [provider.name, ...problem.path],
        message: problem.message,
      });
    }
  }
  return found;
}

function checkResources(
  providers: readonly Provider[],
  sections: Record<string, unknown>,
): Located[] {
  const declared = declareResources(providers, sections);
  const found: Located[] = declared.problems.map((problem) => ({
    rule: problem.rule,
    path: problem.address.split('.'),
    message: problem.message,
  }));
  for (const problem of buildGraph(declared.resources).problems) {
    found.push({
      rule: problem.rule,
      path: configPath(problem.address, problem.path),
      message: problem.message,
    });
  }
  return found;
}

/** Reads and validates `config/<environment>.yaml` (with `base.yaml` defaults, if present). */
export async function loadConfig(options: LoadOptions): Promise<LoadResult> {
  const displayRoot = options.displayRoot ?? process.cwd();
  const environments = await listEnvironments(options.configDir);
  if (!environments.includes(options.environment)) {
    return {
      problems: [
        {
          rule: 'config.file-missing',
          path: '',
          severity: 'error',
          message: `there is no ${join(options.configDir, `${options.environment}.yaml`)}.${didYouMean(options.environment, environments)} Environments: ${environments.join(', ') || 'none'}.`,
        },
      ],
    };
  }

  // 1. YAML syntax, for the environment file and the base file.
  const paths = [environmentFile(options.configDir, options.environment)];
  const basePath = join(options.configDir, baseFileName);
  if (await exists(basePath)) {
    paths.push(basePath);
  }
  const read = await Promise.all(paths.map((path) => readSource(path, displayRoot)));
  const sources = read.map((item) => item.source);
  const syntax = read.flatMap((item) => item.problems);
  const structure = checkStructure(sources).map((item) => toProblem(sources, item));
  if ([...syntax, ...structure].some((problem) => problem.severity === 'error')) {
    return { problems: sortProblems([...syntax, ...structure]) };
  }

  // 2. Secrets, unknown keys and the schema.
  const [environmentSource, baseSource] = sources;
  const merged = mergeConfig(
    baseSource?.document.toJS() ?? {},
    environmentSource!.document.toJS() ?? {},
  );
  const secrets = extractSecrets(merged);
  const jsonSchema = configJsonSchema(options.providers);
  const located: Located[] = [...secrets.problems];
  const reportedKeys = new Set<string>();
  for (const source of sources) {
    for (const unknown of findUnknownKeys(source.document, jsonSchema)) {
      const path = [...unknown.path, unknown.key];
      reportedKeys.add(formatPath(path));
      located.push({ rule: 'config.unknown-key', path, message: unknown.message, atKey: true });
    }
  }
  const parsed = buildConfigSchema(options.providers).safeParse(secrets.data);
  if (!parsed.success) {
    const allowed = (path: readonly PathSegment[]) => allowedKeysAt(jsonSchema, path);
    for (const issue of describeIssues(parsed.error.issues, secrets.data, allowed)) {
      if (issue.rule === 'config.unknown-key' && reportedKeys.has(formatPath(issue.path))) {
        continue;
      }
      located.push(issue);
    }
  }

  // 3. Rules across fields, once the shape is right.
  const config = parsed.success
    ? (parsed.data as Record<string, unknown> & {
        environment: string;
        branch: string;
        prune: boolean;
      })
    : undefined;
  if (config !== undefined && secrets.problems.length === 0) {
    located.push(...(await checkEnvironment(options, config)));
    located.push(...checkProviders(options.providers, config));
    const sections: Record<string, unknown> = {};
    for (const provider of options.providers) {
      if (config[provider.name] !== undefined) {
        sections[provider.name] = config[provider.name];
      }
    }
    located.push(...checkResources(options.providers, sections));
  }
  if (options.target === 'cloud') {
    for (const finding of findPlaceholders(secrets.data)) {
      located.push({ rule: 'config.placeholder', path: finding.path, message: finding.message });
    }
  }

  const problems = sortProblems([...syntax, ...located.map((item) => toProblem(sources, item))]);
  if (config === undefined || problems.some((problem) => problem.severity === 'error')) {
    return { problems };
  }
  const sections: Record<string, unknown> = {};
  for (const provider of options.providers) {
    if (config[provider.name] !== undefined) {
      sections[provider.name] = config[provider.name];
    }
  }
  return {
    config: {
      environment: config.environment,
      branch: config.branch,
      prune: config.prune,
      sections,
      files: sources.map((source) => source.shown),
    },
    problems,
  };
}
