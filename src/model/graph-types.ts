// The Graph beta types this service serves, declared once (SPEC §2). Declaration order is the order
// in which responses list the properties; it follows the Graph reference examples.
import { Edm, collection, complexType, createOnly, enumType, ref, sequentialEnum, serverOwned } from './types.ts';

export const allowedAudiences = enumType(
  'allowedAudiences',
  {
    me: 0,
    family: 1,
    contacts: 2,
    groupMembers: 4,
    organization: 8,
    federatedOrganizations: 16,
    everyone: 32,
    unknownFutureValue: 64,
  },
  { flags: true },
);

export const physicalAddressType = sequentialEnum('physicalAddressType', ['unknown', 'home', 'business', 'other']);

export const personRelationship = sequentialEnum('personRelationship', [
  'manager',
  'colleague',
  'directReport',
  'dotLineReport',
  'assistant',
  'dotLineManager',
  'alternateContact',
  'friend',
  'spouse',
  'sibling',
  'child',
  'parent',
  'sponsor',
  'emergencyContact',
  'other',
  'unknownFutureValue',
]);

export const identity = complexType('identity', { displayName: Edm.String, id: Edm.String }, { open: true });

export const identitySet = complexType(
  'identitySet',
  { application: ref(identity), device: ref(identity), user: ref(identity) },
  { open: true },
);

export const inferenceData = complexType('inferenceData', {
  confidenceScore: Edm.Double,
  userHasVerifiedAccuracy: Edm.Boolean,
});

export const personDataSources = complexType('personDataSources', { type: collection(Edm.String) });

export const profileSourceAnnotation = complexType('profileSourceAnnotation', {
  isDefaultSource: Edm.Boolean,
  properties: collection(Edm.String),
  sourceId: Edm.String,
});

export const physicalAddress = complexType('physicalAddress', {
  type: ref(physicalAddressType),
  postOfficeBox: Edm.String,
  street: Edm.String,
  city: Edm.String,
  state: Edm.String,
  countryOrRegion: Edm.String,
  postalCode: Edm.String,
});

export const companyDetail = complexType('companyDetail', {
  displayName: Edm.String,
  pronunciation: Edm.String,
  department: Edm.String,
  officeLocation: Edm.String,
  address: ref(physicalAddress),
  webUrl: Edm.String,
  companyCode: Edm.String,
  costCenter: Edm.String,
  division: Edm.String,
  secondaryDepartment: Edm.String,
});

export const positionDetail = complexType('positionDetail', {
  company: ref(companyDetail),
  description: Edm.String,
  employeeId: Edm.String,
  employeeType: Edm.String,
  endMonthYear: Edm.Date,
  jobTitle: Edm.String,
  layer: Edm.Int32,
  level: Edm.String,
  role: Edm.String,
  secondaryJobTitle: Edm.String,
  secondaryRole: Edm.String,
  startMonthYear: Edm.Date,
  summary: Edm.String,
});

export const relatedPerson = complexType('relatedPerson', {
  displayName: Edm.String,
  relationship: ref(personRelationship),
  userId: Edm.String,
  userPrincipalName: Edm.String,
});

// Graph's entity types; modelled with the same vocabulary, the key being the server-owned `id`.
export const entity = complexType('entity', { id: serverOwned(Edm.String) }, { abstract: true });

export const itemFacet = complexType(
  'itemFacet',
  {
    allowedAudiences: ref(allowedAudiences),
    inference: ref(inferenceData),
    createdDateTime: serverOwned(Edm.DateTimeOffset),
    createdBy: serverOwned(ref(identitySet)),
    lastModifiedDateTime: serverOwned(Edm.DateTimeOffset),
    lastModifiedBy: serverOwned(ref(identitySet)),
    source: createOnly(ref(personDataSources)),
    sources: collection(ref(profileSourceAnnotation)),
    isSearchable: Edm.Boolean,
  },
  { base: entity, abstract: true },
);

export const workPosition = complexType(
  'workPosition',
  {
    categories: collection(Edm.String),
    detail: ref(positionDetail),
    manager: ref(relatedPerson),
    colleagues: collection(ref(relatedPerson)),
    isCurrent: Edm.Boolean,
  },
  { base: itemFacet },
);

/** Every type declared here, for documents that describe the whole model ($metadata, OpenAPI). */
export const allTypes = [
  allowedAudiences,
  physicalAddressType,
  personRelationship,
  identity,
  identitySet,
  inferenceData,
  personDataSources,
  profileSourceAnnotation,
  physicalAddress,
  companyDetail,
  positionDetail,
  relatedPerson,
  entity,
  itemFacet,
  workPosition,
] as const;
