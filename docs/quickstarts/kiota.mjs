// The Kiota-based Graph core (@microsoft/msgraph-sdk-core) against graph-profile: a request adapter
// with graph-profile's base URL. Run: npm start, then
//   TOKEN=$(npx graph-profile token --upn adele@contoso.com) node kiota.mjs
import { AllowedHostsValidator, BaseBearerTokenAuthenticationProvider, HttpMethod, RequestInformation } from '@microsoft/kiota-abstractions';
import { BaseGraphRequestAdapter } from '@microsoft/msgraph-sdk-core';

const base = process.env.GRAPH_PROFILE_URL ?? 'http://127.0.0.1:8080';
const auth = new BaseBearerTokenAuthenticationProvider({
  getAuthorizationToken: async () => process.env.TOKEN,
  // Kiota sends the token only to the hosts listed here (host and port).
  getAllowedHostsValidator: () => new AllowedHostsValidator(new Set([new URL(base).host])),
});
const adapter = new BaseGraphRequestAdapter('beta', '0.0.0', auth);
adapter.baseUrl = `${base}/beta`;

const create = new RequestInformation(HttpMethod.POST, '{+baseurl}/me/profile/languages');
create.headers.tryAdd('Content-Type', 'application/json');
create.content = new TextEncoder().encode(JSON.stringify({ displayName: 'Norwegian', tag: 'nb', spoken: 'nativeOrBilingual' }));
await adapter.sendNoResponseContent(create, undefined);

const read = new RequestInformation(HttpMethod.GET, '{+baseurl}/me/profile/languages');
const page = JSON.parse(new TextDecoder().decode(await adapter.sendPrimitive(read, 'ArrayBuffer', undefined)));
console.log(JSON.stringify(page.value.map((l) => [l.displayName, l.spoken])));
