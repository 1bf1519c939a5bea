import { describe, expect, it } from 'vitest';
import { compareRoutePrecedence, parseRouteTemplate } from '../../../emulator/host/routeTemplate.js';

describe('parseRouteTemplate', () => {
  it('matches literal segments case-insensitively and ignores a trailing slash', () => {
    const route = parseRouteTemplate('api/orchestrators');
    expect(route.match('/API/Orchestrators/')).toEqual({});
    expect(route.match('/api/orchestrators/x')).toBeUndefined();
  });

  it('extracts and URL-decodes parameters', () => {
    expect(
      parseRouteTemplate('api/orchestrators/{functionName}/{instanceId?}').match(
        '/api/orchestrators/run%20it',
      ),
    ).toEqual({
      functionName: 'run it',
    });
  });

  it('applies int, guid, bool, length and regex constraints', () => {
    expect(parseRouteTemplate('x/{id:int}').match('/x/12')).toEqual({ id: '12' });
    expect(parseRouteTemplate('x/{id:int}').match('/x/1.5')).toBeUndefined();
    expect(parseRouteTemplate('x/{id:guid}').match('/x/0f8fad5b-d9cb-469f-a165-70867728950e')).toBeDefined();
    expect(parseRouteTemplate('x/{flag:bool}').match('/x/maybe')).toBeUndefined();
    expect(parseRouteTemplate('x/{code:length(3)}').match('/x/abcd')).toBeUndefined();
    expect(parseRouteTemplate('x/{code:regex(^[a-z]{{2}}\\d$)}').match('/x/ab1')).toEqual({ code: 'ab1' });
    expect(parseRouteTemplate('x/{n:int:range(1,5)}').match('/x/9')).toBeUndefined();
  });

  it('fills defaults and leaves out missing optional parameters', () => {
    expect(parseRouteTemplate('x/{page=1}').match('/x')).toEqual({ page: '1' });
    expect(parseRouteTemplate('x/{name?}').match('/x')).toEqual({});
  });

  it('matches complex segments such as {name}.{ext?}', () => {
    expect(parseRouteTemplate('files/{name}.{ext?}').match('/files/movie.mp4')).toEqual({
      name: 'movie',
      ext: 'mp4',
    });
  });

  it('supports an empty route prefix', () => {
    expect(parseRouteTemplate('status').match('/status')).toEqual({});
    expect(parseRouteTemplate('').match('/')).toEqual({});
  });

  it('rejects unknown constraints and malformed templates with InvalidRouteTemplate', () => {
    expect(() => parseRouteTemplate('x/{id:nope}')).toThrowError(
      expect.objectContaining({ code: 'InvalidRouteTemplate' }),
    );
    expect(() => parseRouteTemplate('x/{id')).toThrowError(/unclosed/);
    expect(() => parseRouteTemplate('x/{*rest}/y')).toThrowError(/catch-all/);
    expect(() => parseRouteTemplate('x/{id}/{ID}')).toThrowError(/twice/);
  });

  it('orders literal routes before parameterised ones and catch-alls last', () => {
    const routes = ['api/{*rest}', 'api/{id}', 'api/{id:int}', 'api/summary'].map(parseRouteTemplate);
    expect(routes.sort(compareRoutePrecedence).map((route) => route.text)).toEqual([
      'api/summary',
      'api/{id:int}',
      'api/{id}',
      'api/{*rest}',
    ]);
  });
});
