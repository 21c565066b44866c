/**
 * Is `image` an image reference Docker would accept? swarmkit refuses a service whose image
 * does not parse with distribution/reference's ParseNormalizedNamed ("ContainerSpec: %q is
 * not a valid repository/tag"). The grammar, learned from that package:
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component ( "/" path-component )*   (at most 255 chars)
 *   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   domain    := ( host-component ( "." host-component )* | "[" ipv6 "]" ) [ ":" port ]
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := sha256:<64 hex> | sha384:<96 hex> | sha512:<128 hex>   (lower-case hex)
 * Normalisation: the first component is a domain only if it has "." or ":", is
 * "localhost", or has an upper-case letter; otherwise docker.io (and "library/" for a
 * single component) is assumed. The repository path must be lower case, and a bare 64-hex
 * string is refused (it would read as an image id).
 * The checks are split by hand, not one large regular expression, so they stay linear.
 */

const ID_64 = /^[a-f0-9]{64}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_COMPONENT = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = new RegExp(`^(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST_SIZES: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_NAME = 255;

/** splitDockerDomain: [domain, remainder] with docker.io and library/ filled in. */
function splitDomain(s: string): [string, string] {
  const i = s.indexOf('/');
  const first = i < 0 ? '' : s.slice(0, i);
  let domain: string;
  let rest: string;
  if (i < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = 'docker.io';
    rest = s;
  } else {
    domain = first;
    rest = s.slice(i + 1);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return [domain, rest];
}

function validDigest(d: string): boolean {
  const colon = d.indexOf(':');
  if (colon <= 0) return false;
  const size = DIGEST_SIZES[d.slice(0, colon)];
  const hex = d.slice(colon + 1);
  return size !== undefined && hex.length === size && /^[a-f0-9]+$/.test(hex);
}

function validName(name: string): boolean {
  if (name.length > MAX_NAME) return false;
  const parts = name.split('/');
  if (parts.every((p) => PATH_COMPONENT.test(p))) return true;
  return (
    parts.length >= 2 &&
    DOMAIN.test(parts[0] as string) &&
    parts.slice(1).every((p) => PATH_COMPONENT.test(p))
  );
}

/** True when swarmkit would accept `image` as a container image reference. */
export function isValidImageReference(image: string): boolean {
  if (image === '' || ID_64.test(image)) return false;
  const [domain, rest] = splitDomain(image);
  const remote = rest.includes(':') ? rest.slice(0, rest.indexOf(':')) : rest;
  if (remote.toLowerCase() !== remote) return false;
  const full = `${domain}/${rest}`;
  const at = full.indexOf('@');
  const nameTag = at < 0 ? full : full.slice(0, at);
  if (at >= 0 && !validDigest(full.slice(at + 1))) return false;
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > nameTag.lastIndexOf('/');
  if (hasTag && !TAG.test(nameTag.slice(colon + 1))) return false;
  return validName(hasTag ? nameTag.slice(0, colon) : nameTag);
}
