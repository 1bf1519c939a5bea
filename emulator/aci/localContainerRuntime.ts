import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerProcess, ContainerRecord, ContainerRuntime, GroupRecord } from './aciModel.js';
import { resolveImageCommand, type ImageCommand } from './imageCommands.js';
import { LocalContainerProcess } from './localContainerProcess.js';

export interface LocalContainerRuntimeOptions {
  /** image (or image without tag) → local command. Any other image fails to pull, as in ACI. */
  images: Record<string, ImageCommand>;
  /** Trusted by Node in every container (NODE_EXTRA_CA_CERTS), so it can call the local HTTPS services. */
  caCertPath: string;
  /** Extra environment every container gets (after the image's, before the group's own). */
  containerEnvironment?: Record<string, string>;
}

/** Runs each container as a local process in a private folder, in place of pulling and running its image. */
export class LocalContainerRuntime implements ContainerRuntime {
  readonly #options: LocalContainerRuntimeOptions;
  readonly #workRoot = mkdtempSync(join(tmpdir(), 'mediaferry-aci-containers-'));

  constructor(options: LocalContainerRuntimeOptions) {
    this.#options = options;
  }

  canPull(image: string): boolean {
    return resolveImageCommand(this.#options.images, image) !== undefined;
  }

  createWorkDir(groupName: string): string {
    return mkdtempSync(join(this.#workRoot, `${groupName}-`));
  }

  removeWorkDir(workDir: string): void {
    rmSync(workDir, { recursive: true, force: true });
  }

  start(
    group: GroupRecord,
    container: ContainerRecord,
    onExit: (exitCode: number) => void,
  ): ContainerProcess | undefined {
    const image = resolveImageCommand(this.#options.images, container.spec.image);
    if (!image) return undefined;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: group.workDir,
      TMPDIR: group.workDir,
      LANG: 'C.UTF-8',
      HOSTNAME: group.name,
      NODE_EXTRA_CA_CERTS: this.#options.caCertPath,
      ...(group.podIdentityAuthorityHost
        ? { AZURE_POD_IDENTITY_AUTHORITY_HOST: group.podIdentityAuthorityHost }
        : {}),
      ...image.env,
      ...this.#options.containerEnvironment,
    };
    for (const variable of container.spec.environmentVariables)
      env[variable.name] = variable.secureValue ?? variable.value ?? '';
    return new LocalContainerProcess({
      command: image.command,
      args: [...(image.args ?? []), ...(container.spec.command ?? [])],
      env,
      cwd: group.workDir,
      onExit,
    });
  }

  /** Removes every group's folder; call once every container has stopped. */
  dispose(): void {
    rmSync(this.#workRoot, { recursive: true, force: true });
  }
}
