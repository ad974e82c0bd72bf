/**
 * Browser only: offers bytes as a file download. A Blob behind a temporary object URL and a
 * detached <a download> click; the URL is revoked on the next macrotask, once the browser has
 * started the download (revoking synchronously cancels it in some browsers).
 */
export function downloadBytes(bytes: Uint8Array, filename: string, mime: string): void {
  // Copy into a plain ArrayBuffer-backed view: Blob refuses SharedArrayBuffer-backed views.
  const blob = new Blob([new Uint8Array(bytes)], { type: mime });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
