import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Native addons in a Lambda bundle. esbuild cannot bundle a `.node` binary, and `npm ci` on the build machine installs
 * the binding for ITS platform (say linux-x64), not for the Lambda's (linux-arm64, glibc). So a napi-rs package such as
 * @node-rs/crc32 is kept external and copied into the bundle's node_modules together with its `-linux-arm64-gnu`
 * binding package, at the exact version the package pins.
 *
 * The binding is taken from node_modules when present (an arm64 machine), else from a cache under .tmp/, else fetched
 * once into that cache with npm's ordinary client (`npm install --cpu=arm64 --os=linux --libc=glibc`). Offline and
 * uncached, nothing is fetched: the caller gets the binding in `missing` and must warn that this bundle cannot run.
 */
export interface NativeStagingOptions {
  readonly repoRoot: string;
  /** Where fetched bindings are kept between synths. (Default: <repoRoot>/.tmp/lambda-native) */
  readonly cacheDir?: string;
  /** Try the registry when the binding is neither installed nor cached. (Default: true) */
  readonly fetch?: boolean;
}

export interface NativeStaging {
  /** Shell commands for NodejsFunction's afterBundling hook. */
  readonly commands: string[];
  /** Binding packages (name@version) that could not be staged. */
  readonly missing: string[];
}

const PLATFORM_SUFFIX = 'linux-arm64-gnu';
const fetchAttempted = new Set<string>();

export function stageNativeModules(modules: readonly string[], outputDir: string, options: NativeStagingOptions): NativeStaging {
  const cacheDir = options.cacheDir ?? path.join(options.repoRoot, '.tmp', 'lambda-native');
  const commands: string[] = [];
  const missing: string[] = [];
  for (const name of modules) {
    const pkgDir = path.join(options.repoRoot, 'node_modules', name);
    const manifest = readManifest(pkgDir);
    if (!manifest) throw new Error(`Native module ${name} is not installed in ${path.dirname(pkgDir)}; run npm ci first.`);
    const binding = `${name}-${PLATFORM_SUFFIX}`;
    const version = manifest.optionalDependencies?.[binding];
    if (!version) throw new Error(`${name} has no ${binding} binding package; it cannot run on Lambda arm64 as a native module.`);

    commands.push(...copyCommands(pkgDir, outputDir, name));
    // npm installs a platform binding only as the optional dependency of its package, so fetch the package itself.
    const fetchSpec = `${name}@${manifest.version}`;
    const bindingDir = findBinding(binding, version, fetchSpec, [options.repoRoot, cacheDir], options.fetch ?? true);
    if (bindingDir) commands.push(...copyCommands(bindingDir, outputDir, binding));
    else missing.push(`${binding}@${version}`);
  }
  return { commands, missing };
}

function findBinding(binding: string, version: string, fetchSpec: string, roots: string[], fetch: boolean): string | undefined {
  const lookup = () =>
    roots.map((root) => path.join(root, 'node_modules', binding)).find((dir) => readManifest(dir)?.version === version);
  const found = lookup();
  const cacheRoot = roots[roots.length - 1] as string;
  if (found || !fetch || fetchAttempted.has(fetchSpec)) return found;
  fetchAttempted.add(fetchSpec);
  try {
    fs.mkdirSync(cacheRoot, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--prefix', cacheRoot, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts',
        '--os=linux', '--cpu=arm64', '--libc=glibc', '--fetch-retries=0', '--fetch-timeout=15000', fetchSpec],
      { stdio: 'ignore', timeout: 60_000 },
    );
  } catch {
    return undefined;
  }
  return lookup();
}

function copyCommands(from: string, outputDir: string, name: string): string[] {
  const to = path.join(outputDir, 'node_modules', name);
  return [`mkdir -p ${quote(path.dirname(to))}`, `cp -R ${quote(from)} ${quote(to)}`];
}

function readManifest(dir: string): { version?: string; optionalDependencies?: Record<string, string> } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function quote(p: string): string {
  return `'${p.replace(/'/g, `'\\''`)}'`;
}
