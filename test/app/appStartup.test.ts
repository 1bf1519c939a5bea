import { afterEach, describe, expect, it } from 'vitest';
import { resetConfigCache } from '../../src/app/config.js';
import { validateConfigAtStartup } from '../../src/app/functions/appStartup.js';
import { useSettings, validAppSettings } from './support/appSettings.js';

let restore: () => void = () => undefined;
afterEach(() => {
  restore();
  resetConfigCache();
});

function startWith(settings: NodeJS.ProcessEnv): { ok: boolean; lines: string[] } {
  restore = useSettings(settings);
  resetConfigCache();
  const lines: string[] = [];
  const ok = validateConfigAtStartup((line) => lines.push(line));
  return { ok, lines };
}

describe('app start-up configuration check', () => {
  it('logs nothing when every setting is valid', () => {
    expect(startWith(validAppSettings())).toEqual({ ok: true, lines: [] });
  });

  it('logs one line naming every bad setting, and does not throw', () => {
    const { ok, lines } = startWith(
      validAppSettings({
        AZURE_SUBSCRIPTION_ID: undefined,
        ACI_PRIORITY: 'Cheap',
        CALLBACK_SIGNING_KEY: 'tiny',
      }),
    );
    expect(ok).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    for (const setting of ['AZURE_SUBSCRIPTION_ID', 'ACI_PRIORITY', 'CALLBACK_SIGNING_KEY'])
      expect(lines[0]).toContain(setting);
    expect(lines[0]).not.toContain('tiny');
  });
});
