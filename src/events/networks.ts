// Where webhooks may send requests (COUCHFN_WEBHOOK_ALLOWED_NETWORKS): by
// default public addresses only, so that a tenant cannot aim the service at
// the operator's own network (loopback, private, link-local, metadata
// services). A hook's address is checked when it is saved, and again at
// every request after DNS resolution: the connection goes only to an address
// that passed, so a name that later resolves elsewhere gains nothing.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

// Not public: IANA's special-purpose registries, IPv4 and IPv6.
const SPECIAL_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '224.0.0.0/4', '240.0.0.0/4'
];
const SPECIAL_V6 = ['::/96', '::1/128', 'fec0::/10', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32', '2002::/16', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

function blockList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
  }
  return list;
}

const special = blockList([...SPECIAL_V4, ...SPECIAL_V6]);

/** An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as IPv4. */
function normalised(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export class NetworkPolicy {
  private readonly allowed: BlockList;
  private readonly publicAllowed: boolean;

  constructor(readonly networks: string[]) {
    this.publicAllowed = networks.includes('public');
    this.allowed = blockList(networks.filter((n) => n !== 'public'));
  }

  allows(ip: string): boolean {
    const { address, family } = normalised(ip);
    if (this.allowed.check(address, family)) return true;
    return this.publicAllowed && !special.check(address, family);
  }

  describe(): string {
    return this.networks.join(', ');
  }

  /** A lookup for outgoing connections that yields only allowed addresses. */
  lookup(): typeof dnsLookup {
    const guarded = (hostname: string, options: unknown, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
      const opts = typeof options === 'object' && options !== null ? options as { all?: boolean } : {};
      dnsLookup(hostname, { all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        const ok = addresses.filter((a) => this.allows(a.address));
        if (ok.length === 0) {
          // which address it was stays untold: a tenant must not map the operator's names
          const refused = Object.assign(new Error(`${hostname} resolves to an address outside COUCHFN_WEBHOOK_ALLOWED_NETWORKS (${this.describe()})`), { code: 'ENETNOTALLOWED' });
          return callback(refused, '', 0);
        }
        if (opts.all) return callback(null, ok);
        callback(null, ok[0].address, ok[0].family);
      });
    };
    return guarded as unknown as typeof dnsLookup;
  }

  /** Why a hook's URI may not be used, or null. Names are resolved: every address must be allowed. */
  async refusal(uri: string): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return 'not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URIs are allowed';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (e, a) => (e ? reject(e) : resolve(a))))).map((a) => a.address);
      } catch {
        return `${host} does not resolve`;
      }
    }
    const denied = addresses.filter((a) => !this.allows(a));
    // a name's addresses stay untold: a tenant must not map the operator's internal names
    if (denied.length > 0) return `${isIP(host) ? host : `${host} resolves to an address that`} is outside the networks webhooks may reach (COUCHFN_WEBHOOK_ALLOWED_NETWORKS: ${this.describe()})`;
    return null;
  }
}
