import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stageNativeModules } from '../../../../infra/bundling/native-modules';

/** A fake project with a napi-rs style package and, optionally, its linux-arm64 binding. */
function project(withBinding: 'none' | 'installed' | 'cached' | 'wrong-version') {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'native-'));
  const pkg = (dir: string, manifest: object) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  };
  pkg(path.join(root, 'node_modules/@scope/fast'), {
    name: '@scope/fast',
    version: '1.2.3',
    optionalDependencies: { '@scope/fast-linux-x64-gnu': '1.2.3', '@scope/fast-linux-arm64-gnu': '1.2.3' },
  });
  const bindingRoot = withBinding === 'cached' ? path.join(root, '.tmp/lambda-native') : root;
  if (withBinding !== 'none') {
    pkg(path.join(bindingRoot, 'node_modules/@scope/fast-linux-arm64-gnu'), {
      name: '@scope/fast-linux-arm64-gnu',
      version: withBinding === 'wrong-version' ? '1.0.0' : '1.2.3',
    });
  }
  return root;
}

describe('stageNativeModules', () => {
  it('expect the package and its installed linux-arm64 binding copied into the bundle', () => {
    const root = project('installed');
    const staging = stageNativeModules(['@scope/fast'], '/out', { repoRoot: root, fetch: false });
    expect(staging.missing).toEqual([]);
    expect(staging.commands).toContain(`cp -R '${root}/node_modules/@scope/fast' '/out/node_modules/@scope/fast'`);
    expect(staging.commands).toContain(`cp -R '${root}/node_modules/@scope/fast-linux-arm64-gnu' '/out/node_modules/@scope/fast-linux-arm64-gnu'`);
  });

  it('expect a binding fetched earlier to be taken from the cache', () => {
    const root = project('cached');
    const staging = stageNativeModules(['@scope/fast'], '/out', { repoRoot: root, fetch: false });
    expect(staging.missing).toEqual([]);
    expect(staging.commands.join('\n')).toContain(`${root}/.tmp/lambda-native/node_modules/@scope/fast-linux-arm64-gnu`);
  });

  it('expect a missing or mismatched binding to be reported, not silently skipped', () => {
    for (const state of ['none', 'wrong-version'] as const) {
      const staging = stageNativeModules(['@scope/fast'], '/out', { repoRoot: project(state), fetch: false });
      expect({ state, missing: staging.missing }).toEqual({ state, missing: ['@scope/fast-linux-arm64-gnu@1.2.3'] });
    }
  });

  it('expect a module without an arm64 binding or not installed to fail with its name', () => {
    const root = project('none');
    expect(() => stageNativeModules(['@scope/absent'], '/out', { repoRoot: root, fetch: false })).toThrow(/@scope\/absent is not installed/);
    fs.writeFileSync(path.join(root, 'node_modules/@scope/fast/package.json'), JSON.stringify({ name: '@scope/fast', version: '1.2.3' }));
    expect(() => stageNativeModules(['@scope/fast'], '/out', { repoRoot: root, fetch: false })).toThrow(/no @scope\/fast-linux-arm64-gnu binding/);
  });
});
