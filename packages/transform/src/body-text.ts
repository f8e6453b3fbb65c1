/**
 * Bytes to text with the charset a `Content-Type` declares (`text/html; charset=windows-1252`), by the WHATWG
 * Encoding Standard's labels (`TextDecoder`). UTF-8 when the type declares none or one no decoder knows. A byte
 * order mark wins over the declaration, as browsers do; malformed sequences become U+FFFD, never an error.
 */
export function decodeBody(bytes: Uint8Array, contentType: string): string {
  const label = bomEncoding(bytes) ?? charsetOf(contentType) ?? 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    // An unknown label (`charset=x-made-up`): the constructor refuses it.
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function charsetOf(contentType: string): string | undefined {
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, ...rest] = parameter.split('=');
    if (name?.trim().toLowerCase() !== 'charset') continue;
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    return value === '' ? undefined : value;
  }
  return undefined;
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}
