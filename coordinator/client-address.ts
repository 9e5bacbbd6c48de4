// Who the client is on the network: the socket's address, or, behind reverse proxies the operator trusts
// (`trust_proxy`), the address they report in X-Forwarded-For. proxy-addr (Express's) walks the header
// from the nearest hop and stops at the first address that is not a trusted proxy, so a client cannot
// pick its own address by writing the header itself.
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export type TrustProxy = number | readonly string[];

/** Compiles the setting once; throws with proxy-addr's reason (an address or subnet it cannot read). */
export function clientAddressResolver(trust: TrustProxy): (req: IncomingMessage) => string {
	if (trust === 0) return (req) => req.socket.remoteAddress ?? 'unknown';
	const trusted = typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : proxyaddr.compile([...trust]);
	return (req) => (req.socket.remoteAddress ? proxyaddr(req, trusted) : 'unknown');
}
