import { describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../src/app/appSettings.js';
import { loadConfig } from '../../src/app/config.js';
import { ConfigError } from '../../src/app/errors/ConfigError.js';
import { validAppSettings } from './support/appSettings.js';

function problemsOf(env: NodeJS.ProcessEnv): { setting: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('reads a complete set of settings and fills in the documented defaults', () => {
    const config = loadConfig(validAppSettings({ CALLBACK_SIGNING_KEY: undefined }));
    expect(config).toMatchObject({
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      jobsResourceGroup: 'rg-jobs',
      registryServer: 'myacr.azurecr.io',
      armEndpoint: 'https://management.azure.com',
      appCredential: 'managedidentity',
      mediaContainer: 'media',
      workerCpu: 1,
      workerMemoryGb: 2,
      aciPriority: 'Regular',
      jobDeadlineMinutes: 60,
      livenessPollSeconds: 30,
      livenessRoundsPerGeneration: 20,
      quotaWaitMinutes: 30,
      keepFailedGroups: false,
      allowPrivateSources: false,
      defaultMaxBytes: 2 * 1024 ** 3,
      defaultMaxDurationSeconds: 4 * 3600,
      janitorSchedule: '0 */10 * * * *',
      callbackSigningKey: undefined,
      appIdentityClientId: undefined,
    });
  });

  it('has a default for every optional setting it documents as defaulted', () => {
    for (const spec of APP_SETTINGS.filter((s) => s.default !== undefined)) {
      expect(spec.required, spec.name).toBe(false);
    }
  });

  it('names every missing required setting in one error', () => {
    const problems = problemsOf({});
    const required = APP_SETTINGS.filter((s) => s.required).map((s) => s.name);
    expect(problems.map((p) => p.setting).sort()).toEqual([...required].sort());
    expect(problems.every((p) => p.message === 'is required but not set')).toBe(true);
  });

  it('treats a blank value as unset', () => {
    expect(problemsOf(validAppSettings({ JOBS_LOCATION: '   ' }))).toEqual([
      { setting: 'JOBS_LOCATION', message: 'is required but not set' },
    ]);
    expect(loadConfig(validAppSettings({ MEDIA_CONTAINER: '' })).mediaContainer).toBe('media');
  });

  it.each([
    ['WORKER_IMAGE', 'mediaferry-worker', /registry/],
    ['WORKER_IDENTITY_RESOURCE_ID', '/subscriptions/x/identities/y', /user-assigned identity/],
    ['ARM_ENDPOINT', 'ftp://management.azure.com', /http or https/],
    ['MEDIA_BLOB_ENDPOINT', 'not a url', /absolute URL/],
    ['MEDIA_CONTAINER', 'Media_Files', /container name/],
    ['WORKER_CPU', 'two', /number/],
    ['WORKER_MEMORY_GB', '-1', /./],
    ['ACI_PRIORITY', 'Low', /Regular or Spot/],
    ['JOB_DEADLINE_MINUTES', '1.5', /whole number/],
    ['KEEP_FAILED_GROUPS', 'maybe', /true or false/],
    ['ALLOW_PRIVATE_SOURCES', 'sure', /true or false/],
  ])('names a malformed %s and says what was expected', (setting, value, expected) => {
    const problems = problemsOf(validAppSettings({ [setting]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.setting).toBe(setting);
    expect(problems[0]?.message).toMatch(expected);
    expect(problems[0]?.message).toContain(value);
  });

  it('refuses defaults above the operator ceilings', () => {
    const problems = problemsOf(
      validAppSettings({ DEFAULT_MAX_BYTES: '5000', MAX_BYTES_LIMIT: '4000', MAX_DURATION_LIMIT: '60' }),
    );
    expect(problems.map((p) => p.setting)).toEqual(['DEFAULT_MAX_BYTES', 'DEFAULT_MAX_DURATION_SECONDS']);
    expect(problems[0]?.message).toMatch(/MAX_BYTES_LIMIT \(4000\)/);
  });

  it('parses ALLOWED_PRIVATE_SOURCES and names a malformed entry', () => {
    expect(
      loadConfig(validAppSettings({ ALLOWED_PRIVATE_SOURCES: '10.1.2.3:8081, Nas.Local:443' }))
        .allowedPrivateSources,
    ).toEqual(['10.1.2.3:8081', 'nas.local:443']);
    expect(problemsOf(validAppSettings({ ALLOWED_PRIVATE_SOURCES: '10.1.2.3' }))).toEqual([
      {
        setting: 'ALLOWED_PRIVATE_SOURCES',
        message: expect.stringMatching(/host:port/) as unknown as string,
      },
    ]);
  });

  it('reads mail settings as a pair, refusing one without the other', () => {
    expect(loadConfig(validAppSettings()).email).toBeUndefined();
    expect(
      loadConfig(
        validAppSettings({
          ACS_ENDPOINT: 'https://acs-x.communication.azure.com/',
          EMAIL_SENDER_ADDRESS: 'DoNotReply@example.azurecomm.net',
        }),
      ).email,
    ).toEqual({
      acsEndpoint: 'https://acs-x.communication.azure.com',
      senderAddress: 'DoNotReply@example.azurecomm.net',
    });
    expect(problemsOf(validAppSettings({ ACS_ENDPOINT: 'https://acs-x.communication.azure.com' }))).toEqual([
      { setting: 'EMAIL_SENDER_ADDRESS', message: expect.stringContaining('together') as string },
    ]);
    expect(
      problemsOf(validAppSettings({ ACS_ENDPOINT: 'https://a.b', EMAIL_SENDER_ADDRESS: 'nobody' }))[0]
        ?.setting,
    ).toBe('EMAIL_SENDER_ADDRESS');
  });

  it('refuses a WEBHOOK_SIGNING_SECRET that is not a whsec_ secret, without echoing it', () => {
    const problems = problemsOf(validAppSettings({ WEBHOOK_SIGNING_SECRET: 'hunter2-not-a-secret' }));
    expect(problems).toEqual([{ setting: 'WEBHOOK_SIGNING_SECRET', message: 'is malformed' }]);
    expect(() =>
      loadConfig(
        validAppSettings({ WEBHOOK_SIGNING_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` }),
      ),
    ).not.toThrow();
  });

  it('never echoes a malformed secret', () => {
    const problems = problemsOf(validAppSettings({ CALLBACK_SIGNING_KEY: 'hunter2' }));
    expect(problems).toEqual([{ setting: 'CALLBACK_SIGNING_KEY', message: 'is malformed' }]);
    try {
      loadConfig(validAppSettings({ CALLBACK_SIGNING_KEY: 'hunter2' }));
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });

  it('lists several bad settings together and tells where to fix them', () => {
    expect.assertions(3);
    try {
      loadConfig(validAppSettings({ WORKER_CPU: 'x', ACI_PRIORITY: 'y' }));
    } catch (error) {
      const message = (error as ConfigError).message;
      expect(message).toContain('WORKER_CPU');
      expect(message).toContain('ACI_PRIORITY');
      expect(message).toMatch(/local\.settings\.json/);
    }
  });

  it('parses booleans in the forms people write them', () => {
    for (const yes of ['true', '1', 'yes'])
      expect(loadConfig(validAppSettings({ KEEP_FAILED_GROUPS: yes })).keepFailedGroups).toBe(true);
    for (const no of ['false', '0', 'no'])
      expect(loadConfig(validAppSettings({ KEEP_FAILED_GROUPS: no })).keepFailedGroups).toBe(false);
  });

  it('derives the callback base URL from WEBSITE_HOSTNAME unless CALLBACK_BASE_URL is set', () => {
    expect(loadConfig(validAppSettings({ WEBSITE_HOSTNAME: 'app.azurewebsites.net' })).callbackBaseUrl).toBe(
      'https://app.azurewebsites.net',
    );
    expect(
      loadConfig(
        validAppSettings({
          WEBSITE_HOSTNAME: 'app.azurewebsites.net',
          CALLBACK_BASE_URL: 'http://127.0.0.1:7071/',
        }),
      ).callbackBaseUrl,
    ).toBe('http://127.0.0.1:7071');
    expect(loadConfig(validAppSettings()).callbackBaseUrl).toBeUndefined();
  });

  it('accepts the Azure CLI credential for developer machines and refuses unknown credential kinds', () => {
    expect(loadConfig(validAppSettings({ APP_CREDENTIAL: 'azurecli' })).appCredential).toBe('azurecli');
    expect(problemsOf(validAppSettings({ APP_CREDENTIAL: 'password' }))).toEqual([
      { setting: 'APP_CREDENTIAL', message: expect.stringContaining('managedidentity or azurecli') },
    ]);
  });

  it('trims trailing slashes from endpoints', () => {
    const config = loadConfig(
      validAppSettings({
        MEDIA_BLOB_ENDPOINT: 'http://127.0.0.1:10000/devstoreaccount1/',
        ARM_ENDPOINT: 'https://arm.local//',
      }),
    );
    expect(config.mediaBlobEndpoint).toBe('http://127.0.0.1:10000/devstoreaccount1');
    expect(config.armEndpoint).toBe('https://arm.local');
  });
});
