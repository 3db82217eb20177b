// node-oidc-provider as a second reference for `make bench NODE=1` (docs/PERFORMANCE.md):
// one process, one client_credentials client, introspection enabled, an in-memory Map
// adapter. (The library's own development adapter is an LRU of 1,000 entries: the opaque
// token row would evict the token the introspection row asks about, and wrk would time
// fast `{"active": false}` answers.) A token request without `resource` gets the
// library's default opaque access token (stored, what introspection looks up); with
// `resource=urn:bench:jwt` it gets a JWT signed ES256, the work our token endpoint does.
//
//   node server.js --port 8000 --secret S
//
// Prints "ready <issuer>" on stdout once listening.
import { parseArgs } from 'node:util';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    secret: { type: 'string', default: 'bench-node-secret-0123456789abcdef' },
  },
});
const issuer = `http://127.0.0.1:${values.port}`;
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'bench-es256' };
const JWT_RESOURCE = 'urn:bench:jwt';
const stored = new Map();

// The adapter interface of oidc-provider (lib/adapters/memory_adapter.js), without
// eviction; a bench run stores a few thousand tokens.
class MapAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    stored.set(this.key(id), { payload, expires: Date.now() + expiresIn * 1000 });
  }

  async find(id) {
    const entry = stored.get(this.key(id));
    if (!entry || entry.expires < Date.now()) return undefined;
    return entry.payload;
  }

  async findByUid() { return undefined; }

  async findByUserCode() { return undefined; }

  async consume(id) {
    const entry = stored.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { stored.delete(this.key(id)); }

  async revokeByGrantId() {}
}

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{
    client_id: 'bench-client',
    client_secret: values.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api',
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [signing] },
  scopes: ['api'],
  cookies: { keys: ['bench-cookie-key-0123456789'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== JWT_RESOURCE) throw new Error('unknown resource');
        return { scope: 'api', accessTokenFormat: 'jwt', accessTokenTTL: 600,
                 jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
  ttl: { ClientCredentials: 600 },
});
provider.on('server_error', (ctx, err) => console.error(err));
provider.listen(Number(values.port), '127.0.0.1', () => console.log(`ready ${issuer}`));
