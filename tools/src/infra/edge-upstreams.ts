import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

const INCLUDES = join(REPO_ROOT, 'nginx', 'includes');

/** One directive: its name, then its arguments. */
export type Directive = readonly string[];

/** A `server` line of an upstream: its address and its parameters by name (`resolve`: ''). */
export interface UpstreamServer {
  readonly address: string;
  readonly params: ReadonlyMap<string, string>;
}

/** One `upstream` block of an edge configuration, with the shared includes it names read in. */
export interface EdgeUpstream {
  readonly name: string;
  readonly directives: readonly Directive[];
}

const withoutComments = (text: string) => text.replace(/#.*$/gm, '');

/** The directives of a block's body; `include ../includes/<file>` gives that file's. */
function directivesOf(body: string): Directive[] {
  return withoutComments(body)
    .split(';')
    .map((directive) => directive.trim().split(/\s+/))
    .filter((words) => words[0] !== '')
    .flatMap((words) => {
      const [name, file] = words;
      if (name !== 'include' || file === undefined || !file.startsWith('../includes/')) {
        return [words];
      }
      return directivesOf(readFileSync(join(INCLUDES, file.slice('../includes/'.length)), 'utf8'));
    });
}

/** The upstream blocks of an edge configuration (a rendered one: no template placeholders). */
export function edgeUpstreams(config: string): EdgeUpstream[] {
  return [...withoutComments(config).matchAll(/\bupstream\s+(\w+)\s*\{([^}]*)\}/g)].map(
    (match) => ({ name: match[1] ?? '', directives: directivesOf(match[2] ?? '') }),
  );
}

/** The upstream `name` of `config`; a missing one is an error. */
export function edgeUpstream(config: string, name: string): EdgeUpstream {
  const upstream = edgeUpstreams(config).find((block) => block.name === name);
  if (upstream === undefined) throw new Error(`no upstream ${name}`);
  return upstream;
}

/** The arguments of the upstream's first directive `name`, if it has one. */
export function directiveArgs(upstream: EdgeUpstream, name: string): readonly string[] | undefined {
  return upstream.directives.find((directive) => directive[0] === name)?.slice(1);
}

export function upstreamServers(upstream: EdgeUpstream): UpstreamServer[] {
  return upstream.directives
    .filter((directive) => directive[0] === 'server')
    .map(([, address = '', ...params]) => ({
      address,
      params: new Map(
        params.map((param) => {
          const at = param.indexOf('=');
          return at < 0 ? [param, ''] : [param.slice(0, at), param.slice(at + 1)];
        }),
      ),
    }));
}

/** The host of a server address (`host`, `host:port`, `[v6]:port`). */
export function serverHost(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1] ?? '';
  return address.replace(/:\d+$/, '');
}

/**
 * Why `upstream` (the gateways') may send the requests of one Socket.IO session to several
 * instances, if it may. What nginx's source does (ngx_http_upstream_hash_module.c): the
 * consistent hash puts each server on its ring by the name of its `server` line, or with
 * `service=` by the target of its SRV record (ngx_http_upstream_zone_module.c), and picks
 * among servers of one name by weighted round-robin (ngx_http_upstream_get_chash_peer); so
 * a line whose name resolves to several addresses is no longer sticky. The plain hash picks
 * by position in the list of servers (ngx_http_upstream_get_hash_peer): sticky while the
 * list stays the same, which names resolved again at run time (`resolve`) do not promise.
 */
export function stickinessProblems(upstream: EdgeUpstream, key: string): string[] {
  const hash = directiveArgs(upstream, 'hash');
  if (hash?.[0] !== key) return [`does not hash on ${key}`];
  const consistent = hash[1] === 'consistent';
  return upstreamServers(upstream).flatMap((server) => {
    const srv = server.params.get('service');
    if (!consistent) {
      return server.params.has('resolve')
        ? [
            `server ${server.address}: the plain hash moves sessions whenever \`resolve\` changes the list`,
          ]
        : [];
    }
    if (srv !== undefined) {
      return server.params.has('resolve') && serverHost(server.address) === server.address
        ? []
        : [`server ${server.address}: \`service=\` wants \`resolve\` and no port`];
    }
    return isIP(serverHost(server.address)) === 0
      ? [
          `server ${server.address}: every address the name resolves to has the same name on the consistent hash ring`,
        ]
      : [];
  });
}
