import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { AciOperationError } from '../../src/app/errors/AciOperationError.js';
import { classifyAciError } from '../../src/app/errors/classifyAciError.js';

/** A RestError as the ARM SDK throws it: status, Azure's code, and the parsed `{ error }` body. */
function armError(statusCode: number, code: string, message: string): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x', method: 'PUT' });
  const body = { error: { code, message } };
  const error = new RestError(message, {
    code,
    statusCode,
    request,
    response: { status: statusCode, headers: createHttpHeaders(), request, bodyAsText: JSON.stringify(body) },
  });
  error.details = body;
  return error;
}

describe('classifyAciError', () => {
  it.each([
    [429, 'TooManyRequests', 'Too many requests.'],
    [500, 'InternalServerError', 'Internal error.'],
    [503, 'ServiceUnavailable', 'The service is unavailable.'],
    [
      409,
      'ContainerGroupTransitioning',
      "The container group 'mf-job' is still transitioning, please retry later.",
    ],
    [
      409,
      'InsufficientCapacity',
      'The requested resource is not available in the location westeurope at this moment.',
    ],
  ])('treats %i %s as retryable', (status, code, message) => {
    const classified = classifyAciError(armError(status, code, message), { priority: 'Regular' });
    expect(classified).toBeInstanceOf(AciOperationError);
    expect(classified).toMatchObject({ kind: 'retryable', code, retryable: true, statusCode: status });
    expect(classified.message).toBe(`${code}: ${message}`);
  });

  it.each([
    [
      409,
      'ContainerGroupQuotaReached',
      'Resource type Microsoft.ContainerInstance/containerGroups has reached its quota.',
    ],
    [
      409,
      'OperationNotAllowed',
      'Operation could not be completed as it results in exceeding approved StandardCores quota.',
    ],
  ])('treats %i %s as a quota wait', (status, code, message) => {
    expect(classifyAciError(armError(status, code, message))).toMatchObject({
      kind: 'quota',
      code,
      retryable: true,
    });
  });

  it.each([
    [
      400,
      'InaccessibleImage',
      "The image 'myacr.azurecr.io/worker:1' in container group 'mf-x' is not accessible.",
    ],
    [403, 'AuthorizationFailed', 'The client does not have authorization to perform action.'],
    [
      403,
      'LinkedAuthorizationFailed',
      'The client has permission to perform action on scope, but not on the identity.',
    ],
    [400, 'InvalidContainerGroup', 'The container group spec is invalid.'],
    [404, 'ResourceGroupNotFound', "Resource group 'rg-jobs' could not be found."],
  ])('treats %i %s as terminal', (status, code, message) => {
    expect(classifyAciError(armError(status, code, message))).toMatchObject({
      kind: 'terminal',
      code,
      retryable: false,
    });
  });

  it('treats a missing group as not found', () => {
    const error = armError(
      404,
      'ResourceNotFound',
      "The Resource 'Microsoft.ContainerInstance/containerGroups/mf-x' was not found.",
    );
    expect(classifyAciError(error)).toMatchObject({ kind: 'notFound', code: 'ResourceNotFound' });
  });

  it('asks for a Regular fallback when Spot capacity or support is refused', () => {
    const capacity = armError(
      409,
      'ServiceUnavailable',
      'The requested resource is not available in the location.',
    );
    expect(classifyAciError(capacity, { priority: 'Spot' })).toMatchObject({ kind: 'spot' });
    const spot = armError(400, 'SpotPriorityNotSupported', 'Spot priority is not supported in this region.');
    expect(classifyAciError(spot, { priority: 'Spot' })).toMatchObject({
      kind: 'spot',
      code: 'SpotPriorityNotSupported',
    });
  });

  it('treats network failures without a response as retryable', () => {
    const refused = new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    expect(classifyAciError(refused)).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED' });
    expect(classifyAciError(new Error('The long-running operation has failed.'))).toMatchObject({
      kind: 'retryable',
      code: 'UnexpectedError',
    });
  });

  it('treats an unavailable managed identity as terminal', () => {
    const error = Object.assign(new Error('ManagedIdentityCredential: no identity endpoint.'), {
      name: 'CredentialUnavailableError',
    });
    expect(classifyAciError(error)).toMatchObject({ kind: 'terminal', code: 'CredentialUnavailable' });
  });
});
