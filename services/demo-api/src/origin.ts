/**
 * The origin absolute URLs in a response point at: `http://` and the request's Host header, so one API on one
 * port can play several sites (`127.0.0.2:8080`, `demo-api:8080`) and every link it serves stays on the site
 * the client asked for. A Host that is not a plain host[:port] falls back to the server's own base URL, so a
 * crafted header never lands in a Link header, an XML document or an HTML attribute.
 */

/** A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function requestOrigin(host: string | undefined, fallback: string): string {
  return host !== undefined && HOST.test(host) ? `http://${host}` : fallback;
}
