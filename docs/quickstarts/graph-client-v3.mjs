// The v3 Graph JavaScript SDK (@microsoft/microsoft-graph-client) against graph-profile.
// Run: npm start -- --tls, then
//   TOKEN=$(npx graph-profile token --upn adele@contoso.com) NODE_EXTRA_CA_CERTS=./data/tls-cert.pem node graph-client-v3.mjs
import { Client } from '@microsoft/microsoft-graph-client';

const base = process.env.GRAPH_PROFILE_URL ?? 'https://localhost:8080';
const client = Client.init({
  authProvider: (done) => done(null, process.env.TOKEN),
  baseUrl: base,
  defaultVersion: 'beta',
  // The SDK sends the token only to https:// hosts it knows: Graph's, and these (names, no port).
  customHosts: new Set([new URL(base).hostname]),
});

const skill = await client.api('/me/profile/skills').post({ displayName: 'TypeScript', proficiency: 'expert' });
await client.api(`/me/profile/skills/${skill.id}`).patch({ proficiency: 'advancedProfessional' });
const profile = await client.api('/me/profile').select('skills,positions').get();
console.log(JSON.stringify(profile.skills.map((s) => [s.displayName, s.proficiency])));
