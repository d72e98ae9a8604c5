/**
 * The two candidate clients are installed in this folder only (its own package.json), never in the project's
 * node_modules, so `tsc -p .` and `eslint .` must pass without them. They are imported by a computed specifier,
 * which TypeScript does not resolve, and each adapter types the small part of the API it uses itself.
 */
import { readFileSync } from 'node:fs';

const HERE = import.meta.url;

/** The module's namespace, or an error that says how to install it. */
export async function importOptional(specifier: string): Promise<Record<string, unknown>> {
  try {
    const loaded: unknown = await import(specifier);
    if (typeof loaded !== 'object' || loaded === null) throw new Error(`${specifier} exported ${typeof loaded}`);
    return loaded as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `${specifier} is not installed beside this experiment: see bench/experiments/client-move/README.md`,
      { cause: error },
    );
  }
}

/** The installed version, read from the package's package.json in this folder's node_modules. */
export function installedVersion(specifier: string): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL(`./node_modules/${specifier}/package.json`, HERE), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch (error) {
    throw new Error(`cannot read the version of ${specifier}: is it installed here?`, { cause: error });
  }
}

/** A named export that must exist; the experiment stops with its name when the library changed its surface. */
export function exported<T>(module: Record<string, unknown>, name: string): T {
  const value = module[name] ?? (module['default'] as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) throw new Error(`the module has no export named ${name}`);
  return value as T;
}
