/** How a container image runs locally: a program and its arguments instead of a pulled image. */
export interface ImageCommand {
  command: string;
  args?: string[];
  /** Set for this image only, before the container's own environment variables. */
  env?: Record<string, string>;
}

/**
 * Finds the command for an image: an exact match first, then the image without its tag or digest,
 * so `myacr.azurecr.io/mediaferry-worker` maps every tag of the worker.
 */
export function resolveImageCommand(
  images: Record<string, ImageCommand>,
  image: string,
): ImageCommand | undefined {
  const exact = images[image];
  if (exact) return exact;
  const untagged = image.replace(/@sha256:[0-9a-f]+$/i, '').replace(/:[^/:]+$/, '');
  return images[untagged];
}
