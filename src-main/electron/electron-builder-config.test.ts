/**
 * electron-builder.yml against electron-builder's own JSON schema (app-builder-lib/scheme.json),
 * with the same ajv options electron-builder uses, plus the project's own packaging rules.
 * js-yaml and ajv are resolved through electron-builder's own dependency tree (no direct deps).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireFromRepo = createRequire(join(repo, 'package.json'));
const requireFromBuilderLib = createRequire(requireFromRepo.resolve('app-builder-lib/package.json', { paths: [dirname(requireFromRepo.resolve('electron-builder/package.json'))] }));

interface AjvError { instancePath: string; message?: string; params: unknown }
type AjvValidate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
type AjvCtor = new (opts: Record<string, unknown>) => { compile(schema: unknown): AjvValidate };
const ajvModule = requireFromBuilderLib('ajv') as AjvCtor | { default: AjvCtor };
const Ajv: AjvCtor = 'default' in ajvModule ? ajvModule.default : ajvModule;
const yaml = requireFromBuilderLib('js-yaml') as { load(text: string): unknown };
const schema = JSON.parse(readFileSync(join(dirname(requireFromBuilderLib.resolve('app-builder-lib/package.json')), 'scheme.json'), 'utf8')) as unknown;

type Config = Record<string, unknown> & {
  files: string[];
  electronFuses: Record<string, boolean>;
  win: { target: { target: string }[]; icon: string };
  linux: { target: { target: string }[]; icon: string };
  mac: { target: { target: string }[]; icon: string };
  nsis: { artifactName: string };
  portable: { artifactName: string };
};
const config = yaml.load(readFileSync(join(repo, 'electron-builder.yml'), 'utf8')) as Config;

// Same options as app-builder-lib/out/util/config/schemaValidator.js; compiled once (~1 s).
const check = new Ajv({ allErrors: true, verbose: true, coerceTypes: true, strict: false }).compile(schema);

function validate(data: unknown): AjvError[] {
  return check(structuredClone(data)) ? [] : (check.errors ?? []);
}

describe('electron-builder.yml', () => {
  it('matches electron-builder\'s JSON schema', () => {
    expect(validate(config).map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });

  it('the schema check catches a misspelt option (the test can fail)', () => {
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } })).not.toEqual([]);
  });

  it('sets the fuses from the style guide (§11)', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
    // Issue 11 item 9: the main process holds decrypted API keys; no --inspect into a packaged build.
    expect(config.electronFuses.enableNodeCliInspectArguments).toBe(false);
  });

  it('installs strictly per user, without elevation', () => {
    expect(config.nsis).toMatchObject({ perMachine: false, allowElevation: false, packElevateHelper: false });
    expect(config.portable).toMatchObject({ requestExecutionLevel: 'user' });
  });

  it('the uninstaller removes the start-at-login values Electron wrote (Run and StartupApproved, named after the appId)', () => {
    const include = (config.nsis as { include?: string }).include;
    expect(include).toBe('build/installer.nsh');
    const nsh = readFileSync(join(repo, include!), 'utf8');
    const macro = /!macro customUnInstall([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
    expect(macro).toContain(`DeleteRegValue HKCU "Software\\Microsoft\\Windows\\CurrentVersion\\Run" "${config.appId as string}"`);
    expect(macro).toContain(`DeleteRegValue HKCU "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\StartupApproved\\Run" "${config.appId as string}"`);
  });

  it.each([
    { os: 'win', targets: ['nsis', 'portable'] },
    { os: 'linux', targets: ['AppImage', 'deb'] },
    { os: 'mac', targets: ['dmg'] },
  ] as const)('builds $targets for $os', ({ os, targets }) => {
    expect(config[os].target.map((t) => t.target)).toEqual(targets);
  });

  it('gives the installer and the portable exe different names', () => {
    expect(config.nsis.artifactName).not.toBe(config.portable.artifactName);
  });

  it('packs only dist and package.json', () => {
    expect(config.files.filter((f) => !f.startsWith('!'))).toEqual(['dist/**/*', 'package.json']);
    expect(config).toMatchObject({ appId: 'dev.headroom.app', productName: 'Headroom', asar: true });
  });

  it('uses the same appId as the AppUserModelID in main.ts', () => {
    expect(readFileSync(join(repo, 'src-main', 'electron', 'main.ts'), 'utf8')).toContain(`APP_USER_MODEL_ID = '${config.appId as string}'`);
  });

  it.each([
    { name: 'Windows .ico', path: () => config.win.icon },
    { name: 'macOS png (≥ 512 px)', path: () => config.mac.icon },
    { name: 'Linux png set', path: () => join(config.linux.icon, '256x256.png') },
  ])('points at an icon that exists: $name', ({ path }) => {
    expect(existsSync(join(repo, path()))).toBe(true);
  });
});
