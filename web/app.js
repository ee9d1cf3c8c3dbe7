// The profile page: signs in (a locally minted token, or a pasted one), reads GET /beta/.../profile,
// shows positions as a work-history timeline and every other collection after them, and adds, edits
// and deletes items with forms built from the service's own OpenAPI document. The API's validation
// messages are shown beside the field they name (error.details[].target).
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('graph-profile-token'), whose: 'me', schemas: null, collections: [] };

const LABELS = { educationalActivities: 'Education', webAccounts: 'Web accounts' };
const label = (name) => LABELS[name] ?? name.charAt(0).toUpperCase() + name.slice(1).replace(/([A-Z])/g, ' $1').toLowerCase();
const SERVER_OWNED = new Set(['id', 'createdDateTime', 'createdBy', 'lastModifiedDateTime', 'lastModifiedBy', 'inference', 'source', 'sources', 'isSearchable']);

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw Object.assign(new Error(json?.error?.message ?? `${res.status}`), { status: res.status, details: json?.error?.details ?? [] });
  return json;
}

// --- the type model, as the OpenAPI document describes it -------------------------------------
const ref = (s) => (s?.$ref ? state.schemas[s.$ref.split('/').pop()] : s);
/** The non-null part of a nullable schema. */
const nonNull = (s) => (s?.anyOf ? s.anyOf.find((x) => x.type !== 'null') : s);
function ownProperties(typeName) {
  const schema = state.schemas[`microsoft.graph.${typeName}`];
  const parts = schema.allOf ?? [schema];
  return Object.assign({}, ...parts.map((p) => ref(p)?.properties ?? {}));
}
/** What a form field of this schema is: text, date, number, boolean, enum (with values), list, or a group. */
function fieldKind(schema) {
  const s = nonNull(schema);
  const target = ref(s);
  if (target?.enum) return { kind: 'enum', values: target.enum };
  if (target?.title === 'allowedAudiences') return { kind: 'enum', values: ['organization', 'me', 'family', 'contacts', 'groupMembers', 'federatedOrganizations', 'everyone'] };
  if (s.$ref && target?.properties) return { kind: 'group', properties: target.properties };
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'array') return nonNull(s.items)?.type === 'string' || s.items?.type === 'string' ? { kind: 'list' } : undefined;
  if (type === 'boolean') return { kind: 'boolean' };
  if (type === 'number' || type === 'integer') return { kind: 'number' };
  if (type === 'string') return { kind: s.format === 'date' ? 'date' : 'text' };
  return undefined;
}

// --- signing in --------------------------------------------------------------------------------
$('local-sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/local/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upn: $('upn').value }) });
  const json = await res.json();
  if (!res.ok) return void ($('sign-in-error').textContent = json.error.message);
  signedIn(json.token);
});
$('token-sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  signedIn($('token').value.trim());
});
$('view-other').addEventListener('submit', (e) => {
  e.preventDefault();
  state.whose = $('whose').value.trim() || 'me';
  void load();
});

async function signedIn(token) {
  state.token = token;
  sessionStorage.setItem('graph-profile-token', token);
  try {
    const me = await api('GET', '/beta/me');
    $('who').textContent = `Signed in as ${me.displayName ?? me.userPrincipalName} (${me.userPrincipalName})`;
    $('who').hidden = false;
  } catch (err) {
    $('sign-in-error').textContent = err.message;
    return;
  }
  $('sign-in').hidden = true;
  $('profile').hidden = false;
  await load();
}

// --- the profile -----------------------------------------------------------------------------
const base = () => (state.whose === 'me' ? '/beta/me' : `/beta/users/${encodeURIComponent(state.whose)}`);

async function load() {
  if (!state.schemas) {
    const doc = await (await fetch('/openapi.json')).json();
    state.schemas = doc.components.schemas;
    state.collections = Object.keys(ownProperties('profile')).filter((p) => p !== 'id');
  }
  let profile;
  try {
    profile = await api('GET', `${base()}/profile`);
  } catch (err) {
    $('status').textContent = `Cannot show this profile: ${err.message}`;
    $('facets').replaceChildren();
    return;
  }
  $('profile-title').textContent = state.whose === 'me' ? 'My profile' : `Profile of ${state.whose}`;
  $('status').textContent = state.whose === 'me' ? '' : 'Only the items this user shares with you (allowedAudiences) are shown.';
  // Positions first, as a work history; then every other collection.
  const order = ['positions', ...state.collections.filter((c) => c !== 'positions')];
  $('facets').replaceChildren(...order.map((c) => facetSection(c, profile[c] ?? [])));
}

function typeOf(collection) {
  const schema = ownProperties('profile')[collection];
  const items = (nonNull(schema) ?? schema).items;
  return items.$ref.split('.').pop();
}

function summary(item) {
  const title = item.displayName ?? item.detail?.jobTitle ?? item.address ?? item.number ?? item.institution?.displayName ?? item.detail?.displayName ?? item.userPrincipalName ?? item.service?.name ?? item.id;
  const facts = [];
  const company = item.detail?.company?.displayName;
  if (company) facts.push(company);
  const from = item.detail?.startMonthYear ?? item.startMonthYear ?? item.date ?? item.issuedDate ?? item.publishedDate;
  const to = item.detail?.endMonthYear ?? item.endMonthYear;
  if (from) facts.push(to ? `${from} – ${to}` : item.isCurrent ? `${from} – now` : from);
  for (const key of ['proficiency', 'spoken', 'type', 'tag', 'webUrl']) if (typeof item[key] === 'string') facts.push(item[key]);
  return { title: String(title), facts: facts.join(' · ') };
}

function facetSection(collection, items) {
  const section = document.createElement('section');
  section.className = 'facet';
  section.dataset.collection = collection;
  const heading = document.createElement('h3');
  heading.id = `h-${collection}`;
  heading.textContent = `${label(collection)} (${items.length})`;
  section.setAttribute('aria-labelledby', heading.id);
  const list = document.createElement('ol');
  list.className = collection === 'positions' ? 'items timeline' : 'items';
  const sorted = collection === 'positions' ? [...items].sort((a, b) => String(b.detail?.startMonthYear ?? '').localeCompare(String(a.detail?.startMonthYear ?? ''))) : items;
  for (const item of sorted) list.append(itemEntry(collection, item));
  const add = document.createElement('details');
  const addSummary = document.createElement('summary');
  addSummary.textContent = `Add to ${label(collection).toLowerCase()}`;
  add.append(addSummary, itemForm(collection, undefined));
  section.append(heading, list, add);
  return section;
}

function itemEntry(collection, item) {
  const li = document.createElement('li');
  li.dataset.id = item.id;
  const { title, facts } = summary(item);
  const t = document.createElement('div');
  t.className = 'title';
  t.textContent = title;
  const f = document.createElement('div');
  f.className = 'facts';
  f.textContent = facts;
  const edit = button(`Edit ${title}`, 'Edit', () => {
    const form = itemForm(collection, item);
    li.append(form);
    form.querySelector('input, select')?.focus();
  });
  const remove = button(`Delete ${title}`, 'Delete', async () => {
    if (!confirm(`Delete "${title}"?`)) return;
    try {
      await api('DELETE', `${base()}/profile/${collection}/${item.id}`, undefined);
      await load();
      $('status').textContent = `Deleted "${title}".`;
    } catch (err) {
      $('status').textContent = err.message;
    }
  });
  li.append(t, f, edit, remove);
  return li;
}

function button(ariaLabel, text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', ariaLabel);
  b.addEventListener('click', onClick);
  return b;
}

// --- forms -----------------------------------------------------------------------------------
function itemForm(collection, item) {
  const form = document.createElement('form');
  form.className = 'item-form';
  form.noValidate = true;
  const prefix = `${collection}-${item?.id ?? 'new'}`;
  const props = { allowedAudiences: ownProperties('itemFacet').allowedAudiences, ...ownProperties(typeOf(collection)) };
  for (const [name, schema] of Object.entries(props)) {
    if (SERVER_OWNED.has(name)) continue;
    const kind = fieldKind(schema);
    if (!kind) continue;
    if (kind.kind === 'group') {
      const fieldset = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = label(name);
      fieldset.append(legend);
      for (const [member, memberSchema] of Object.entries(kind.properties)) {
        const memberKind = fieldKind(memberSchema);
        if (memberKind && memberKind.kind !== 'group') fieldset.append(...field(prefix, `${name}.${member}`, member, memberKind, item?.[name]?.[member]));
      }
      form.append(fieldset);
    } else {
      form.append(...field(prefix, name, name, kind, item?.[name]));
    }
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.textContent = item ? 'Save' : 'Add';
  actions.append(submit);
  form.append(actions);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void save(form, collection, item);
  });
  return form;
}

function field(prefix, path, name, kind, value) {
  const id = `${prefix}-${path}`;
  const lab = document.createElement('label');
  lab.htmlFor = id;
  lab.textContent = label(name) + (kind.kind === 'date' ? ' (YYYY-MM-DD)' : kind.kind === 'list' ? ' (comma-separated)' : '');
  let input;
  if (kind.kind === 'enum' || kind.kind === 'boolean') {
    input = document.createElement('select');
    const values = kind.kind === 'boolean' ? ['true', 'false'] : kind.values;
    input.append(new Option('', ''), ...values.map((v) => new Option(v, v)));
    input.value = value == null ? '' : String(value);
  } else {
    input = document.createElement('input');
    input.type = kind.kind === 'number' ? 'number' : 'text';
    if (kind.kind === 'number') input.step = 'any';
    input.value = value == null ? '' : Array.isArray(value) ? value.join(', ') : String(value);
  }
  input.id = id;
  input.name = path;
  input.dataset.kind = kind.kind;
  const error = document.createElement('p');
  error.className = 'field-error';
  error.id = `${id}-error`;
  input.setAttribute('aria-describedby', error.id);
  return [lab, input, error];
}

/** The form's values as a request body; empty fields are left out of a create and cleared (null) by an edit. */
function bodyOf(form, editing) {
  const body = {};
  for (const input of form.querySelectorAll('input, select')) {
    const raw = input.value.trim();
    if (raw === '' && !editing) continue;
    const v = raw === '' ? null : input.dataset.kind === 'number' ? Number(raw) : input.dataset.kind === 'boolean' ? raw === 'true' : input.dataset.kind === 'list' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
    const [first, second] = input.name.split('.');
    if (second) {
      if (v === null && !editing) continue;
      body[first] = { ...(body[first] ?? {}), [second]: v };
    } else {
      body[first] = v;
    }
  }
  if (editing && body.allowedAudiences === null) delete body.allowedAudiences;
  return body;
}

async function save(form, collection, item) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  try {
    const body = bodyOf(form, item !== undefined);
    if (item) await api('PATCH', `${base()}/profile/${collection}/${item.id}`, body);
    else await api('POST', `${base()}/profile/${collection}`, body);
    await load();
    $('status').textContent = item ? 'Saved.' : `Added to ${label(collection).toLowerCase()}.`;
  } catch (err) {
    let shown = false;
    for (const d of err.details ?? []) {
      const input = form.querySelector(`[name="${CSS.escape(d.target)}"]`);
      if (!input) continue;
      input.setAttribute('aria-invalid', 'true');
      form.querySelector(`#${CSS.escape(input.id)}-error`).textContent = d.message;
      if (!shown) input.focus();
      shown = true;
    }
    if (!shown) $('status').textContent = err.message;
  }
}

if (state.token) void signedIn(state.token);
