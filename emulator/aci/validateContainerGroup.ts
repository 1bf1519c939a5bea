import { ArmError, invalidRequestContent } from './armError.js';

export interface EnvironmentVariableSpec {
  name: string;
  value?: string;
  /** Kept only in memory to hand to the process; never serialised back. */
  secureValue?: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command: string[] | undefined;
  cpu: number;
  memoryInGB: number;
  environmentVariables: EnvironmentVariableSpec[];
  ports: unknown[] | undefined;
  volumeMounts: unknown[] | undefined;
}

export interface ContainerGroupSpec {
  location: string;
  tags: Record<string, string>;
  identity:
    { type: string; userAssignedIdentities: Record<string, Record<string, unknown>> | undefined } | undefined;
  osType: 'Linux' | 'Windows';
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  priority: 'Regular' | 'Spot' | undefined;
  sku: string;
  containers: ContainerSpec[];
  imageRegistryCredentials: { server: string; identity?: string; username?: string }[];
  volumes: unknown[] | undefined;
  /** Virtual network subnets the group joins (`properties.subnetIds`). */
  subnetIds: { id: string; name?: string }[] | undefined;
}

const SUBNET_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

/** `properties.subnetIds` as ARM takes it: objects with a fully qualified subnet resource id. */
function validateSubnetIds(raw: unknown): ContainerGroupSpec['subnetIds'] {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw invalidRequestContent("'subnetIds' must be an array.");
  return raw.map((entry, index) => {
    const id = isObject(entry) ? entry.id : undefined;
    if (typeof id !== 'string' || !SUBNET_ID.test(id))
      throw new ArmError(
        400,
        'LinkedInvalidPropertyId',
        `Property id '${typeof id === 'string' ? id : ''}' at path 'properties.subnetIds[${index}].id' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' and name a subnet: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/{network}/subnets/{subnet}'.`,
      );
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name : undefined;
    return { id, ...(name ? { name } : {}) };
  });
}

const GROUP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates a container group name as ACI does: 1–63 lowercase letters, digits, inner hyphens. */
export function validateGroupName(name: string): void {
  if (name.length > 63 || !GROUP_NAME.test(name) || name.includes('--'))
    throw new ArmError(
      400,
      'InvalidContainerGroupName',
      `The container group name '${name}' is invalid. The name must contain no more than 63 characters and only lowercase letters, numbers and single hyphens, and must start and end with a letter or number.`,
    );
}

/** Turns a PUT body into a typed spec, refusing what ARM and ACI refuse, with their codes. */
export function validateContainerGroup(body: unknown): ContainerGroupSpec {
  if (!isObject(body)) throw invalidRequestContent('the body must be a JSON object.');
  if (typeof body.location !== 'string' || body.location.trim() === '')
    throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  const properties = body.properties;
  if (!isObject(properties)) throw invalidRequestContent("Required property 'properties' not found in JSON.");

  const osType = properties.osType;
  if (osType !== 'Linux' && osType !== 'Windows')
    throw invalidRequestContent(
      `Required property 'osType' must be 'Linux' or 'Windows' (got ${JSON.stringify(osType)}).`,
    );
  const restartPolicy = properties.restartPolicy ?? 'Always';
  if (restartPolicy !== 'Always' && restartPolicy !== 'OnFailure' && restartPolicy !== 'Never')
    throw invalidRequestContent(
      `'restartPolicy' must be Always, OnFailure or Never (got ${JSON.stringify(restartPolicy)}).`,
    );
  const priority = properties.priority;
  if (priority !== undefined && priority !== 'Regular' && priority !== 'Spot')
    throw invalidRequestContent(`'priority' must be Regular or Spot (got ${JSON.stringify(priority)}).`);

  if (!Array.isArray(properties.containers) || properties.containers.length === 0)
    throw invalidRequestContent("Required property 'containers' not found in JSON or empty.");
  const names = new Set<string>();
  const containers = properties.containers.map((raw, index): ContainerSpec => {
    if (!isObject(raw) || typeof raw.name !== 'string' || raw.name === '')
      throw invalidRequestContent(`Required property 'name' not found in JSON for container ${index}.`);
    if (names.has(raw.name))
      throw new ArmError(
        400,
        'DuplicateContainerNames',
        `The container name '${raw.name}' is used more than once.`,
      );
    names.add(raw.name);
    const p = raw.properties;
    if (!isObject(p) || typeof p.image !== 'string' || p.image === '')
      throw invalidRequestContent(`Required property 'image' not found in JSON for container '${raw.name}'.`);
    const requests =
      isObject(p.resources) && isObject(p.resources.requests) ? p.resources.requests : undefined;
    const cpu = requests?.cpu;
    const memoryInGB = requests?.memoryInGB;
    if (typeof cpu !== 'number' || typeof memoryInGB !== 'number')
      throw invalidRequestContent(
        `Required property 'resources.requests' (cpu, memoryInGB) not found for container '${raw.name}'.`,
      );
    if (cpu <= 0 || memoryInGB <= 0)
      throw new ArmError(
        400,
        'InvalidContainerResourceRequests',
        `The resource requests of container '${raw.name}' must be positive (cpu ${cpu}, memoryInGB ${memoryInGB}).`,
      );
    if (
      p.command !== undefined &&
      (!Array.isArray(p.command) || p.command.some((c) => typeof c !== 'string'))
    )
      throw invalidRequestContent(`'command' of container '${raw.name}' must be an array of strings.`);
    const env = p.environmentVariables ?? [];
    if (!Array.isArray(env))
      throw invalidRequestContent(`'environmentVariables' of container '${raw.name}' must be an array.`);
    const environmentVariables = env.map((e): EnvironmentVariableSpec => {
      if (!isObject(e) || typeof e.name !== 'string' || e.name === '')
        throw invalidRequestContent(
          `Required property 'name' not found in an environment variable of container '${raw.name}'.`,
        );
      if (e.value !== undefined && e.secureValue !== undefined)
        throw new ArmError(
          400,
          'InvalidEnvironmentVariable',
          `The environment variable '${e.name}' of container '${raw.name}' sets both 'value' and 'secureValue'.`,
        );
      return {
        name: e.name,
        ...(typeof e.value === 'string' ? { value: e.value } : {}),
        ...(typeof e.secureValue === 'string' ? { secureValue: e.secureValue } : {}),
      };
    });
    return {
      name: raw.name,
      image: p.image,
      command: p.command as string[] | undefined,
      cpu,
      memoryInGB,
      environmentVariables,
      ports: Array.isArray(p.ports) ? p.ports : undefined,
      volumeMounts: Array.isArray(p.volumeMounts) ? p.volumeMounts : undefined,
    };
  });

  let identity: ContainerGroupSpec['identity'];
  if (body.identity !== undefined) {
    if (!isObject(body.identity) || typeof body.identity.type !== 'string')
      throw invalidRequestContent("Required property 'type' not found in 'identity'.");
    const uai = body.identity.userAssignedIdentities;
    const userAssigned = isObject(uai) ? (uai as Record<string, Record<string, unknown>>) : undefined;
    if (/UserAssigned/i.test(body.identity.type) && (!userAssigned || Object.keys(userAssigned).length === 0))
      throw new ArmError(
        400,
        'BadRequest',
        "The identity type 'UserAssigned' requires at least one user-assigned identity in 'userAssignedIdentities'.",
      );
    identity = { type: body.identity.type, userAssignedIdentities: userAssigned };
  }
  const attached = new Set(Object.keys(identity?.userAssignedIdentities ?? {}).map((id) => id.toLowerCase()));

  const credentials = properties.imageRegistryCredentials ?? [];
  if (!Array.isArray(credentials))
    throw invalidRequestContent("'imageRegistryCredentials' must be an array.");
  const imageRegistryCredentials = credentials.map((c) => {
    if (!isObject(c) || typeof c.server !== 'string' || c.server === '')
      throw invalidRequestContent("Required property 'server' not found in an image registry credential.");
    if (typeof c.identity === 'string') {
      if (!attached.has(c.identity.toLowerCase()))
        throw new ArmError(
          400,
          'InvalidImageRegistryCredentialIdentity',
          `The identity '${c.identity}' of the image registry credential for '${c.server}' is not attached to the container group. Add it to 'identity.userAssignedIdentities'.`,
        );
      return { server: c.server, identity: c.identity };
    }
    if (typeof c.username === 'string') return { server: c.server, username: c.username };
    throw invalidRequestContent(
      `The image registry credential for '${c.server}' needs an 'identity' or a 'username'.`,
    );
  });

  const tags = isObject(body.tags) ? (body.tags as Record<string, string>) : {};
  return {
    location: body.location,
    tags,
    identity,
    osType,
    restartPolicy,
    priority,
    sku: typeof properties.sku === 'string' ? properties.sku : 'Standard',
    containers,
    imageRegistryCredentials,
    volumes: Array.isArray(properties.volumes) ? properties.volumes : undefined,
    subnetIds: validateSubnetIds(properties.subnetIds),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
