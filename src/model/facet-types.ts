// The other 18 facets of Graph's `profile` (SPEC §2a), with the complex types and enums only they use.
// Kept apart from graph-types.ts so the positions model stays readable; declaration order is the
// response order (Graph's reference JSON, then the beta CSDL for properties those pages omit).
import { Edm, collection, complexType, enumType, nonNullable, ref, sequentialEnum } from './types.ts';
import { companyDetail, itemFacet, physicalAddress, positionDetail, relatedPerson } from './graph-types.ts';

export const phoneType = sequentialEnum('phoneType', [
  'home',
  'business',
  'mobile',
  'other',
  'assistant',
  'homeFax',
  'businessFax',
  'otherFax',
  'pager',
  'radio',
]);

// Graph skips 4 here, so the values cannot be sequential.
export const personAnnualEventType = enumType('personAnnualEventType', {
  birthday: 0,
  wedding: 1,
  work: 2,
  other: 3,
  unknownFutureValue: 5,
});

export const emailType = sequentialEnum('emailType', ['unknown', 'work', 'personal', 'main', 'other']);

export const languageProficiencyLevel = sequentialEnum('languageProficiencyLevel', [
  'elementary',
  'conversational',
  'limitedWorking',
  'professionalWorking',
  'fullProfessional',
  'nativeOrBilingual',
  'unknownFutureValue',
]);

export const skillProficiencyLevel = sequentialEnum('skillProficiencyLevel', [
  'elementary',
  'limitedWorking',
  'generalProfessional',
  'advancedProfessional',
  'expert',
  'unknownFutureValue',
]);

export const userPersona = sequentialEnum('userPersona', [
  'unknown',
  'externalMember',
  'externalGuest',
  'internalMember',
  'internalGuest',
  'unknownFutureValue',
]);

export const bodyType = sequentialEnum('bodyType', ['text', 'html']);

export const institutionData = complexType('institutionData', {
  description: Edm.String,
  displayName: Edm.String,
  location: ref(physicalAddress),
  webUrl: Edm.String,
});

export const educationalActivityDetail = complexType('educationalActivityDetail', {
  abbreviation: Edm.String,
  activities: collection(Edm.String),
  awards: collection(Edm.String),
  description: Edm.String,
  displayName: Edm.String,
  fieldsOfStudy: collection(Edm.String),
  grade: Edm.String,
  notes: Edm.String,
  webUrl: Edm.String,
});

export const geoCoordinates = complexType('geoCoordinates', {
  altitude: Edm.Double,
  latitude: Edm.Double,
  longitude: Edm.Double,
});

export const itemBody = complexType('itemBody', {
  content: Edm.String,
  contentType: ref(bodyType),
});

// Microsoft's spelling; it is the name on the wire (@odata.type, $metadata), so it stays.
export const personNamePronounciation = complexType('personNamePronounciation', {
  displayName: Edm.String,
  first: Edm.String,
  last: Edm.String,
  maiden: Edm.String,
  middle: Edm.String,
});

export const serviceInformation = complexType('serviceInformation', {
  name: Edm.String,
  webUrl: Edm.String,
});

export const originTenantInfo = complexType('originTenantInfo', {
  originTenantId: Edm.String,
  originUserId: Edm.String,
});

export const localeInfo = complexType('localeInfo', {
  locale: Edm.String,
  displayName: Edm.String,
});

// Entity types follow SPEC §1's collection order, which is also the profile's inline order.

export const userAccountInformation = complexType(
  'userAccountInformation',
  {
    ageGroup: Edm.String,
    countryCode: Edm.String,
    preferredLanguageTag: ref(localeInfo),
    userPrincipalName: Edm.String,
    originTenantInfo: ref(originTenantInfo),
    userPersona: ref(userPersona),
  },
  { base: itemFacet },
);

export const itemAddress = complexType(
  'itemAddress',
  {
    displayName: Edm.String,
    detail: ref(physicalAddress),
    geoCoordinates: ref(geoCoordinates),
  },
  { base: itemFacet },
);

export const personAnnualEvent = complexType(
  'personAnnualEvent',
  {
    type: ref(personAnnualEventType),
    date: Edm.Date,
    displayName: Edm.String,
  },
  { base: itemFacet },
);

export const personAward = complexType(
  'personAward',
  {
    description: Edm.String,
    displayName: Edm.String,
    issuedDate: Edm.Date,
    issuingAuthority: Edm.String,
    thumbnailUrl: Edm.String,
    webUrl: Edm.String,
  },
  { base: itemFacet },
);

export const personCertification = complexType(
  'personCertification',
  {
    certificationId: Edm.String,
    description: Edm.String,
    displayName: Edm.String,
    endDate: Edm.Date,
    issuedDate: Edm.Date,
    issuingAuthority: Edm.String,
    issuingCompany: Edm.String,
    startDate: Edm.Date,
    thumbnailUrl: Edm.String,
    webUrl: Edm.String,
  },
  { base: itemFacet },
);

export const educationalActivity = complexType(
  'educationalActivity',
  {
    completionMonthYear: Edm.Date,
    endMonthYear: Edm.Date,
    institution: ref(institutionData),
    program: ref(educationalActivityDetail),
    startMonthYear: Edm.Date,
  },
  { base: itemFacet },
);

export const itemEmail = complexType(
  'itemEmail',
  {
    address: Edm.String,
    displayName: Edm.String,
    type: nonNullable(ref(emailType)),
  },
  { base: itemFacet },
);

export const personInterest = complexType(
  'personInterest',
  {
    categories: collection(Edm.String),
    description: Edm.String,
    displayName: Edm.String,
    webUrl: Edm.String,
    collaborationTags: collection(Edm.String),
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

export const languageProficiency = complexType(
  'languageProficiency',
  {
    displayName: Edm.String,
    tag: Edm.String,
    spoken: ref(languageProficiencyLevel),
    written: ref(languageProficiencyLevel),
    reading: ref(languageProficiencyLevel),
    proficiency: ref(languageProficiencyLevel),
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

export const personName = complexType(
  'personName',
  {
    displayName: Edm.String,
    first: Edm.String,
    initials: Edm.String,
    last: Edm.String,
    languageTag: Edm.String,
    maiden: Edm.String,
    middle: Edm.String,
    nickname: Edm.String,
    suffix: Edm.String,
    title: Edm.String,
    pronunciation: ref(personNamePronounciation),
  },
  { base: itemFacet },
);

export const personAnnotation = complexType(
  'personAnnotation',
  {
    detail: ref(itemBody),
    displayName: Edm.String,
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

export const itemPatent = complexType(
  'itemPatent',
  {
    description: Edm.String,
    displayName: Edm.String,
    isPending: Edm.Boolean,
    issuedDate: Edm.Date,
    issuingAuthority: Edm.String,
    number: Edm.String,
    webUrl: Edm.String,
  },
  { base: itemFacet },
);

export const itemPhone = complexType(
  'itemPhone',
  {
    displayName: Edm.String,
    type: nonNullable(ref(phoneType)),
    number: Edm.String,
  },
  { base: itemFacet },
);

export const projectParticipation = complexType(
  'projectParticipation',
  {
    categories: collection(Edm.String),
    client: ref(companyDetail),
    displayName: Edm.String,
    detail: ref(positionDetail),
    colleagues: collection(ref(relatedPerson)),
    sponsors: collection(ref(relatedPerson)),
    collaborationTags: collection(Edm.String),
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

export const itemPublication = complexType(
  'itemPublication',
  {
    description: Edm.String,
    displayName: Edm.String,
    publishedDate: Edm.Date,
    publisher: Edm.String,
    thumbnailUrl: Edm.String,
    webUrl: Edm.String,
  },
  { base: itemFacet },
);

export const skillProficiency = complexType(
  'skillProficiency',
  {
    categories: collection(Edm.String),
    displayName: Edm.String,
    proficiency: ref(skillProficiencyLevel),
    webUrl: Edm.String,
    collaborationTags: collection(Edm.String),
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

export const webAccount = complexType(
  'webAccount',
  {
    description: Edm.String,
    userId: Edm.String,
    service: ref(serviceInformation),
    statusMessage: Edm.String,
    webUrl: Edm.String,
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

export const personWebsite = complexType(
  'personWebsite',
  {
    categories: collection(Edm.String),
    description: Edm.String,
    displayName: Edm.String,
    webUrl: Edm.String,
    thumbnailUrl: Edm.String,
  },
  { base: itemFacet },
);

/** Every type declared here, enums and complex types before the entity types that use them. */
export const facetTypes = [
  phoneType,
  personAnnualEventType,
  emailType,
  languageProficiencyLevel,
  skillProficiencyLevel,
  userPersona,
  bodyType,
  institutionData,
  educationalActivityDetail,
  geoCoordinates,
  itemBody,
  personNamePronounciation,
  serviceInformation,
  originTenantInfo,
  localeInfo,
  userAccountInformation,
  itemAddress,
  personAnnualEvent,
  personAward,
  personCertification,
  educationalActivity,
  itemEmail,
  personInterest,
  languageProficiency,
  personName,
  personAnnotation,
  itemPatent,
  itemPhone,
  projectParticipation,
  itemPublication,
  skillProficiency,
  webAccount,
  personWebsite,
] as const;
