/** Blocks of this size; a file up to one block goes up in a single Put Blob. */
const BLOCK_BYTES = 8 * 1024 * 1024;
/** The storage REST version the requests speak (the upload link's SAS names its own). */
const STORAGE_VERSION = '2025-07-05';

/** One PUT through the upload link, reporting bytes sent. */
function put(
  url: string,
  body: Blob | string,
  headers: Record<string, string>,
  onSent: (bytes: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => onSent(event.loaded));
    xhr.addEventListener('load', () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new Error(`Storage refused the upload (${xhr.status}); ask for a new link and try again.`)),
    );
    xhr.addEventListener('error', () => reject(new Error('The upload was interrupted; try again.')));
    xhr.send(body);
  });
}

function blockId(index: number): string {
  return btoa(`block-${String(index).padStart(6, '0')}`);
}

/**
 * Puts a file through a create/write-only upload link: one Put Blob for a small file, else Put Block
 * for each 8 MiB block and a Put Block List that commits them (as the storage SDK does for the CLI).
 */
export async function uploadThroughLink(
  uploadUrl: string,
  file: File,
  contentType: string,
  onProgress: (sentBytes: number) => void,
): Promise<void> {
  const common = { 'x-ms-version': STORAGE_VERSION };
  if (file.size <= BLOCK_BYTES) {
    await put(
      uploadUrl,
      file,
      { ...common, 'x-ms-blob-type': 'BlockBlob', 'x-ms-blob-content-type': contentType },
      onProgress,
    );
    onProgress(file.size);
    return;
  }
  const ids: string[] = [];
  for (let offset = 0, index = 0; offset < file.size; offset += BLOCK_BYTES, index++) {
    const id = blockId(index);
    ids.push(id);
    const url = `${uploadUrl}&comp=block&blockid=${encodeURIComponent(id)}`;
    await put(url, file.slice(offset, offset + BLOCK_BYTES), common, (sent) => onProgress(offset + sent));
  }
  const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
  await put(
    `${uploadUrl}&comp=blocklist`,
    list,
    { ...common, 'x-ms-blob-content-type': contentType, 'Content-Type': 'application/xml' },
    () => undefined,
  );
  onProgress(file.size);
}
