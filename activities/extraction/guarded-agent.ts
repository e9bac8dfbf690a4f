import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { refusal, type NetworkPolicy } from '../../extraction/network';

/** A connection an extraction config may not open: the address it reached is outside the network policy. */
export class AddressRefused extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${address} is ${reason}`);
    this.name = 'AddressRefused';
  }
}

/**
 * The HTTP agent extraction requests go through. The policy is checked on the address each connection actually
 * reached, before a byte of the request is written: a host name that resolves to a metadata service, a DNS answer
 * that changed since the config was saved (rebinding), a redirect to a private address, each is refused here,
 * where checking the URL alone would miss them. Keep-alive connections are reused per origin as before.
 */
export function guardedAgent(policy: NetworkPolicy): Agent {
  const connect = buildConnector({});
  return new Agent({
    connect(options, callback) {
      connect(options, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const address = (socket as Socket).remoteAddress;
        const why = address ? refusal(address, (socket as Socket).remotePort ?? null, policy) : 'an address the connection did not report';
        if (why) {
          socket.destroy();
          return callback(new AddressRefused(address ?? options.hostname, why), null);
        }
        return callback(null, socket);
      });
    },
  });
}
