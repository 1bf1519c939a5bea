import { EmulatorError } from '../shared/EmulatorError.js';

/** An error answered the way Azure Resource Manager answers it: status, stable code, message. */
export class ArmError extends EmulatorError {
  /** `retryable` defaults to true for throttling and server errors; set it for capacity, quota, transitions. */
  constructor(
    status: number,
    code: string,
    message: string,
    readonly extra: {
      retryAfterSeconds?: number;
      retryable?: boolean;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(status, code, message, extra.retryable ?? (status === 429 || status >= 500));
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function invalidRequestContent(detail: string): ArmError {
  return new ArmError(
    400,
    'InvalidRequestContent',
    `The request content was invalid and could not be deserialized: ${detail}`,
  );
}
