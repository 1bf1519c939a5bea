import { describe, expect, it } from 'vitest';
import { bindingDataOf, resolveBindingExpression } from '../../../emulator/host/bindingExpressions.js';

const at = () => new Date('2026-02-16T17:59:55.123Z');

describe('binding expressions, as the Functions host resolves them', () => {
  it("gives an activity's JSON input properties as binding data, next to the trigger's own values", () => {
    const data = bindingDataOf({
      data: {
        string: JSON.stringify({ backupPath: 'site/a.html', filePath: '/srv/site/a.html', parts: [1] }),
      },
      metadata: { instanceId: { string: 'abc' } },
    });
    expect(data).toEqual({ instanceId: 'abc', backupPath: 'site/a.html', filePath: '/srv/site/a.html' });
    expect(resolveBindingExpression('backups/{backupPath}', data)).toBe('backups/site/a.html');
    expect(resolveBindingExpression('runs/{instanceId}/{BACKUPPATH}', data)).toBe('runs/abc/site/a.html');
  });

  it("keeps the trigger's value when the input has a property of the same name", () => {
    const data = bindingDataOf({
      data: { string: JSON.stringify({ instanceId: 'from-input' }) },
      metadata: { instanceId: { string: 'from-trigger' } },
    });
    expect(resolveBindingExpression('{instanceId}', data)).toBe('from-trigger');
  });

  it('reads nested properties with dots and app settings with %name%', () => {
    const data = bindingDataOf({ data: { string: JSON.stringify({ order: { id: 42 } }) } });
    expect(resolveBindingExpression('%BOX%/{order.id}.json', data, { BOX: 'orders' })).toBe('orders/42.json');
  });

  it('offers {DateTime} and {rand-guid}, with formats, when binding data has no such name', () => {
    expect(resolveBindingExpression('{DateTime}', {}, {}, at)).toBe('2026-02-16T17-59-55Z');
    expect(resolveBindingExpression('{DateTime:yyyy/MM/dd}', {}, {}, at)).toBe('2026/02/16');
    expect(resolveBindingExpression('{rand-guid}', {})).toMatch(
      /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/,
    );
    expect(resolveBindingExpression('{rand-guid:N}', {})).toMatch(/^[0-9a-f]{32}$/);
    expect(resolveBindingExpression('{datetime}', { DateTime: 'mine' })).toBe('mine');
  });

  it("fails with the host's message for a name with no value or an unset setting", () => {
    expect(() => resolveBindingExpression('x/{nope}', {})).toThrow("No value for named parameter 'nope'.");
    expect(() => resolveBindingExpression('%UNSET_SETTING%/x', {}, {})).toThrow(/UNSET_SETTING is not set/);
  });
});
