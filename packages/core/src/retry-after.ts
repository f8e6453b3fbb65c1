const ASCTIME = /^[a-z]{3} [a-z]{3} [ \d]?\d \d\d:\d\d:\d\d \d{4}$/i;

/**
 * `Retry-After` (RFC 9110 §10.2.3): either delta-seconds (`120`) or an HTTP-date
 * (`Fri, 31 Dec 1999 23:59:59 GMT`), read relative to `nowMs`. Returns the wait in milliseconds, 0 for a date
 * in the past, and undefined when the header is absent or unreadable (then it is as if it were not sent).
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+$/.test(raw)) {
    const seconds = Number(raw);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  // HTTP-date: IMF-fixdate, or the obsolete RFC 850 and asctime forms, all of which Date.parse reads. A bare
  // number with a sign or a fraction is neither form.
  if (!/[a-z]/i.test(raw)) return undefined;
  // asctime carries no zone but means GMT, like the other forms; Date.parse would read it as local time.
  const at = Date.parse(ASCTIME.test(raw) ? `${raw} GMT` : raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
