import helmet, { type HelmetOptions } from 'helmet';
import type { QuarryConfig } from '@quarry/config';

type CspDirectives = NonNullable<
  Exclude<HelmetOptions['contentSecurityPolicy'], boolean | undefined>['directives']
>;

/** The API answers JSON only: nothing in it may load, run or be framed. */
export const API_CSP_DIRECTIVES: CspDirectives = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * Helmet's options for every response. Browser pages (console, GraphiQL, Swagger UI) replace
 * the CSP on their own routes with `contentSecurityPolicy(directives)` below, or by setting
 * the header themselves after this middleware ran.
 */
export function securityHeaderOptions(config: Pick<QuarryConfig, 'corsOrigins'>): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Pages on the allowed origins may read the API's answers; otherwise only Quarry's own pages.
    crossOriginResourcePolicy: { policy: config.corsOrigins.length ? 'cross-origin' : 'same-origin' },
    // Quarry speaks plain HTTP; HSTS belongs to the TLS terminator in front of it, which knows the domain.
    strictTransportSecurity: false,
  };
}

export function securityHeaders(config: Pick<QuarryConfig, 'corsOrigins'>) {
  return helmet(securityHeaderOptions(config));
}

/** A route's own CSP (replaces the API's): `express.get('/page', contentSecurityPolicy({...}), handler)`. */
export function contentSecurityPolicy(directives: CspDirectives) {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives });
}
