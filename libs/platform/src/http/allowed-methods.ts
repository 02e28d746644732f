import { METHODS } from 'node:http';

/** As much of an Express 5 app's router as `allowedMethods` reads. */
interface RoutingApp {
  readonly router?: {
    readonly stack: readonly {
      readonly route?: { readonly methods: Readonly<Record<string, boolean | undefined>> };
      match(path: string): unknown;
    }[];
  };
}

/**
 * The methods the app's routes take at `path` (HEAD with GET), upper-case, sorted; none
 * when no route has that path. A request that no route takes whose path some route
 * has is a 405 with these in `Allow`, not a 404 (RFC 9110 §15.5.6).
 */
export function allowedMethods(app: unknown, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of (app as RoutingApp).router?.stack ?? []) {
    if (layer.route === undefined || !layer.match(path)) continue;
    // A route of every method (Express's `app.all`, as Nest binds its middleware to
    // `/{*path}`) handles nothing itself.
    if (Object.keys(layer.route.methods).length >= METHODS.length) continue;
    for (const [method, on] of Object.entries(layer.route.methods))
      if (on === true && method !== '_all') methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
